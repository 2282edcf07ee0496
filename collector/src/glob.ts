/**
 * Name patterns of the config and commands: `*` matches any run of characters (also empty, also `/`),
 * everything else is literal. Log group names are case-sensitive; the VPC format rules match
 * case-insensitively (`*flow*` catches `/aws/vpc/FlowLogs`).
 */
export function wildcardMatcher(pattern: string, ignoreCase: boolean): (name: string) => boolean {
  if (!pattern.includes('*')) {
    if (!ignoreCase) return (name) => name === pattern;
    const lower = pattern.toLowerCase();
    return (name) => name.toLowerCase() === lower;
  }
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, ignoreCase ? 'is' : 's');
  return (name) => re.test(name);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
