/**
 * What `cachegate audit` and the scheduled posture function read from one region, as plain data:
 * the adapters (functions/aws/posture-snapshot.ts) fill it in, the rules (findings.ts) judge it.
 * Times are ISO-8601 strings so a snapshot can be written to and read from a JSON file as is. It
 * holds no secret: secrets are described by ARN, version dates and labels only.
 */

export type CacheKind = 'replication-group' | 'serverless-cache' | 'memorydb-cluster';
export type CacheServiceName = 'elasticache' | 'memorydb';

export interface CachePosture {
  kind: CacheKind;
  id: string;
  transitEncryption: boolean;
  /** ElastiCache replication groups only: AUTH token set (RBAC and AUTH are exclusive). */
  authTokenEnabled: boolean;
  /** When the AUTH token was last set (ElastiCache's `AuthTokenLastModifiedDate`). */
  authTokenLastModified?: string;
  /** ElastiCache user groups attached (a serverless cache has at most one). */
  userGroupIds: string[];
  /** MemoryDB: the cluster's ACL; `open-access` lets anyone in with no password. */
  aclName?: string;
}

export interface UserPosture {
  service: CacheServiceName;
  userId: string;
  userName: string;
  status: string;
  accessString: string;
  /** `password`, `no-password` (ElastiCache `no-password-required`), `iam`. */
  authenticationType: string;
  passwordCount: number;
}

/** An ElastiCache user group or a MemoryDB ACL. */
export interface UserGroupPosture {
  service: CacheServiceName;
  id: string;
  userIds: string[];
}

/** A cachegate user secret (`cachegate/<service>/users/<id>`, tagged with the user ID). */
export interface UserSecretPosture {
  service: CacheServiceName;
  userId: string;
  arn: string;
  /** Creation time of the version labelled AWSCURRENT. */
  currentCreated?: string;
  /** Creation time of the version labelled AWSPREVIOUS (the password before the last rotation). */
  previousCreated?: string;
  /** A rotation in progress: AWSPENDING on a version other than AWSCURRENT, and when it was made. */
  pendingCreated?: string;
}

export interface EndpointCrlPosture {
  /** SHA-256 (hex) of the DER the endpoint holds. */
  sha256: string;
  /** Issued and signed by the stack's CA; absent when there is no CA to check it against. */
  fromCa?: boolean;
  crlNumber?: string;
  nextUpdate?: string;
}

export interface VpnEndpointPosture {
  id: string;
  serverCertificateArn: string;
  /** The server certificate's notAfter as ACM reports it; absent when ACM does not know the ARN. */
  serverCertificateNotAfter?: string;
  connectionLogging: boolean;
  /** Destination CIDRs of the authorization rules. */
  authorizationCidrs: string[];
  /** The CRL the endpoint holds; absent when none was ever imported. */
  crl?: EndpointCrlPosture;
}

export interface CaPosture {
  commonName: string;
  /** The newest CRL the CA published (the CRL store's latest pointer). */
  latestCrl?: { crlNumber: string; sha256: string; nextUpdate: string };
}

export interface ClientCertificatePosture {
  commonName: string;
  serial: string;
  notAfter: string;
}

/**
 * The cache/RBAC half: caches, their users and user groups (ACLs), and the users' secrets. The
 * scheduled audit gathers and judges each part in its own Lambda, so each loads only its part's
 * SDK clients (docs/posture.md).
 */
export interface CachePostureSnapshot {
  region: string;
  caches: CachePosture[];
  users: UserPosture[];
  userGroups: UserGroupPosture[];
  secrets: UserSecretPosture[];
}

/** The Client VPN half: endpoints, the stack's CA and the client certificates it issued. */
export interface VpnPostureSnapshot extends EndpointPostureSnapshot {
  /** Absent when no cachegate CA is configured for the region. */
  ca?: CaPosture;
  /** Valid (not revoked) client certificates in the CA's index. */
  clientCertificates: ClientCertificatePosture[];
}

/**
 * The endpoints' part of the VPN half (EC2 Client VPN, ACM, the CA's certificate): what can be
 * judged without the CA's stores.
 */
export interface EndpointPostureSnapshot {
  region: string;
  vpnEndpoints: VpnEndpointPosture[];
  /** The subnets the caches live in: what a Client VPN authorization rule should be limited to. */
  cacheSubnetCidrs: string[];
}

/** An endpoint's CRL that is the CA's own, as the CA part compares it with the CA's latest. */
export interface EndpointCrlSummary {
  endpointId: string;
  sha256: string;
  crlNumber?: string;
}

/**
 * The CA stores' part of the VPN half (its CRL store and certificate index): the CA's latest CRL
 * against the endpoints' CRLs, and the client certificates.
 */
export interface CaStorePostureSnapshot {
  region: string;
  latestCrl?: CaPosture['latestCrl'];
  /** The endpoints' CRLs that are the CA's own (EndpointCrlSummary), from the endpoints' part. */
  endpointCrls: EndpointCrlSummary[];
  /** Valid (not revoked) client certificates in the CA's index, the endpoints' server certificates left out. */
  clientCertificates: ClientCertificatePosture[];
}

/** Both halves of one region: what `cachegate audit` reads. */
export interface PostureSnapshot extends CachePostureSnapshot, VpnPostureSnapshot {}
