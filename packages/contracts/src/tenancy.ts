import { z } from 'zod';
import { Slug } from './slug.js';

/**
 * The tenancy tree the console keeps: organisations, their teams, the teams' workspaces. Each slug
 * is unique among its kind (a team's across every organisation, so `team/<team>` names one), and a
 * workspace belongs to one team for its life: credentials resolved for it follow that line.
 */
const DisplayName = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !/\p{Cc}/u.test(s), { message: 'a display name has no control characters' });

export const OrgCreateRequest = z.object({ slug: Slug, display_name: DisplayName }).strict();
export type OrgCreateRequest = z.infer<typeof OrgCreateRequest>;
export const TeamCreateRequest = z.object({ slug: Slug, display_name: DisplayName, org: Slug }).strict();
export type TeamCreateRequest = z.infer<typeof TeamCreateRequest>;
export const WorkspaceCreateRequest = z.object({ slug: Slug, display_name: DisplayName, team: Slug }).strict();
export type WorkspaceCreateRequest = z.infer<typeof WorkspaceCreateRequest>;

export const Org = z.object({ slug: Slug, display_name: z.string(), created: z.iso.datetime() }).strict();
export type Org = z.infer<typeof Org>;
export const Team = z.object({ slug: Slug, display_name: z.string(), org: Slug, created: z.iso.datetime() }).strict();
export type Team = z.infer<typeof Team>;
export const Workspace = z
  .object({ slug: Slug, display_name: z.string(), team: Slug, org: Slug, created: z.iso.datetime() })
  .strict();
export type Workspace = z.infer<typeof Workspace>;

export const OrgList = z.object({ items: z.array(Org) }).strict();
export type OrgList = z.infer<typeof OrgList>;
export const TeamList = z.object({ items: z.array(Team) }).strict();
export type TeamList = z.infer<typeof TeamList>;
export const WorkspaceList = z.object({ items: z.array(Workspace) }).strict();
export type WorkspaceList = z.infer<typeof WorkspaceList>;

/** List filters: the teams of one org, the workspaces of one team or org. */
export const TeamListQuery = z.object({ org: Slug.optional() }).strict();
export type TeamListQuery = z.infer<typeof TeamListQuery>;
export const WorkspaceListQuery = z.object({ team: Slug.optional(), org: Slug.optional() }).strict();
export type WorkspaceListQuery = z.infer<typeof WorkspaceListQuery>;
