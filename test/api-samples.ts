/**
 * The file name of an API route's sample proxy event in events/api/:
 * `POST /access-requests/{id}/revoke` → `post-access-requests-id-revoke`.
 */
export function apiSampleName(route: { method: string; resource: string }): string {
  return `${route.method}${route.resource}`
    .toLowerCase()
    .replace(/[{}]/g, '')
    .replace(/[^a-z0-9]+/g, '-');
}
