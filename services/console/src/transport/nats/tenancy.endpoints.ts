import { parseRequest, Subjects, WorkspaceScope } from '@hearth/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { GetWorkspaceScope } from '../../app/get-workspace-scope/get-workspace-scope.js';

const WorkspaceScopeRequest = WorkspaceScope.pick({ workspace: true });

/** `console.workspace.scope {workspace}` → WorkspaceScope | null, signed like every reply of the console. */
@Controller()
export class TenancyEndpoints {
  constructor(private readonly getWorkspaceScope: GetWorkspaceScope) {}

  @MessagePattern(Subjects.workspaceScope)
  scope(@Payload() body: unknown): Promise<WorkspaceScope | null> {
    return this.getWorkspaceScope.run(parseRequest(WorkspaceScopeRequest, body).workspace);
  }
}
