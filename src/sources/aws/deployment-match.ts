import type { DeploymentConfig } from '../../config/schema.ts';

/** `*` is a wildcard, everything else literal (the same globs as attribution rules). */
export function globMatch(glob: string, value: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/**
 * What a bill line offers to match a deployment's `match:` block. `undefined` = this source cannot
 * tell (Cost Explorer has no resource ids), which neither matches nor vetoes; `null` = known absent.
 */
export interface BillLineFacts {
  tag?: string | null;
  usageType?: string | null;
  resourceId?: string | null;
}

/**
 * The config deployment a bill line belongs to: every match key the deployment gives and the source
 * can evaluate must match, and at least one must have been evaluated. First deployment wins.
 */
export function matchDeployment(deployments: readonly DeploymentConfig[], line: BillLineFacts): string | null {
  for (const d of deployments) {
    const checks: Array<[string | undefined, string | null | undefined]> = [
      [d.match.aws_tag, line.tag],
      [d.match.usage_type, line.usageType],
      [d.match.resource_id, line.resourceId],
    ];
    let evaluated = 0;
    let ok = true;
    for (const [want, have] of checks) {
      if (want === undefined || have === undefined) continue;
      evaluated++;
      if (have === null || !globMatch(want, have)) {
        ok = false;
        break;
      }
    }
    if (ok && evaluated > 0) return d.name;
  }
  return null;
}
