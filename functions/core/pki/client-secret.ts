/**
 * Where the issue-certificate workflow stores a client certificate with the key it generated
 * (`{certificatePem, privateKeyPem, caCertificatePem}`): one secret per common name. The prefix
 * also scopes the workflow's Secrets Manager grants and the CLI's `vpn profile --secret-id`.
 */
export const CLIENT_SECRET_PREFIX = 'cachegate/vpn-client/';

export const clientSecretName = (commonName: string): string => `${CLIENT_SECRET_PREFIX}${commonName}`;
