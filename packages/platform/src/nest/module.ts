import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';

@Module({})
class ServiceModule {}

/**
 * A service's Nest module from its composition root: the controllers that route, and the use cases
 * `compose` built, each provided under its own class so a controller injects it by type. A use case
 * is registered once, where it is built; Nest only routes.
 */
export function nestModuleOf(
  controllers: Type[],
  useCases: Record<string, object>,
  providers: Provider[] = [],
): DynamicModule {
  const classes = Object.values(useCases).map((useCase) => useCase.constructor);
  const twice = classes.find((type, i) => type === Object || classes.indexOf(type) !== i);
  // A plain object, or two of one class, would be provided under one token and one of them lost.
  if (twice) throw new Error(`nestModuleOf: use case ${twice.name} cannot be provided under its own class`);
  return {
    module: ServiceModule,
    controllers,
    providers: [
      ...Object.values(useCases).map((useCase) => ({ provide: useCase.constructor, useValue: useCase })),
      ...providers,
    ],
  };
}
