/**
 * Who besides the owner may touch a CA private key file, from its permission bits; undefined
 * when nobody may (0600, 0400). A CA key readable by group or others lets anyone on the machine
 * in those classes issue certificates and CRLs that every Client VPN endpoint of this CA trusts.
 */
export function caKeyExposure(mode: number): string | undefined {
  const who = [(mode & 0o070) !== 0 ? 'group' : '', (mode & 0o007) !== 0 ? 'others' : ''].filter(Boolean);
  return who.length === 0 ? undefined : `open to ${who.join(' and ')}`;
}
