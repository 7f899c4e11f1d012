/** Secrets Manager's staging labels, and which version holds each (by version ID). */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export interface SecretStages {
  currentVersionId?: string;
  pendingVersionId?: string;
  previousVersionId?: string;
}

/** The version that holds `stage` in `DescribeSecret.VersionIdsToStages` (a label is on one version at most). */
export function stageHolder(versionIdsToStages: Record<string, string[]>, stage: string): string | undefined {
  return Object.entries(versionIdsToStages).find(([, stages]) => stages.includes(stage))?.[0];
}

/** `DescribeSecret.VersionIdsToStages` → which version holds AWSCURRENT, AWSPENDING, AWSPREVIOUS. */
export function stagesOf(versionIdsToStages: Record<string, string[]>): SecretStages {
  const holder = (stage: string) => stageHolder(versionIdsToStages, stage);
  const stages: SecretStages = {};
  const current = holder(AWSCURRENT);
  const pending = holder(AWSPENDING);
  const previous = holder(AWSPREVIOUS);
  if (current !== undefined) stages.currentVersionId = current;
  if (pending !== undefined) stages.pendingVersionId = pending;
  if (previous !== undefined) stages.previousVersionId = previous;
  return stages;
}

/**
 * The AWSPENDING version of a rotation still in progress, if any. AWSPENDING on the same version
 * as AWSCURRENT is what a finished rotation may leave behind (Secrets Manager's RotateSecret
 * documents both outcomes), not a rotation in progress.
 */
export function inProgressPendingVersion(stages: SecretStages): string | undefined {
  return stages.pendingVersionId !== undefined && stages.pendingVersionId !== stages.currentVersionId
    ? stages.pendingVersionId
    : undefined;
}
