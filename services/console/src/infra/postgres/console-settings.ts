import type { DataSource } from 'typeorm';

/**
 * A setting the console fixes at its first start and keeps from then on, whatever its configuration
 * says later: `proposed` is taken only when the setting is not yet recorded (the first of racing
 * replicas wins); every start answers the recorded value.
 */
export async function settledSetting(dataSource: DataSource, name: string, proposed: string): Promise<string> {
  await dataSource.query('INSERT INTO console_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    name,
    proposed,
  ]);
  const [{ value }] = await dataSource.query<[{ value: string }]>(
    'SELECT value FROM console_settings WHERE name = $1',
    [name],
  );
  return value;
}
