import {
  constants,
  createHash,
  generateKeyPairSync,
  privateEncrypt,
  randomBytes,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import {
  DisabledException,
  InvalidKeyUsageException,
  NotFoundException,
  UnsupportedOperationException,
} from '@aws-sdk/client-kms';
import type { SandboxClock } from '../clock.js';
import type { ServiceModel } from '../sandbox.js';
import { genericFault, serviceFault } from '../service-error.js';

type SigningAlgorithm = 'RSASSA_PKCS1_V1_5_SHA_256' | 'RSASSA_PSS_SHA_256';
const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'];
const RSA_BITS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
/** KMS limit for MessageType RAW; larger messages must be sent as a digest. */
const MAX_RAW_MESSAGE = 4096;
const SHA256_LENGTH = 32;
/** DER DigestInfo prefix for SHA-256 (RFC 8017 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

interface Key {
  arn: string;
  keyId: string;
  keySpec: string;
  keyUsage: 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT';
  description: string;
  enabled: boolean;
  createdDate: Date;
  privateKey?: KeyObject;
  publicKeyDer?: Buffer;
}

/** EMSA-PSS encoding (RFC 8017 9.1.1) with SHA-256, MGF1-SHA-256 and a 32-octet salt. */
function pssEncode(digest: Buffer, modulusBits: number): Buffer {
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(SHA256_LENGTH);
  const h = createHash('sha256')
    .update(Buffer.concat([Buffer.alloc(8), digest, salt]))
    .digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * SHA256_LENGTH - 2), Buffer.of(0x01), salt]);
  const mask = Buffer.alloc(db.length);
  for (let counter = 0, o = 0; o < mask.length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    o += createHash('sha256').update(h).update(c).digest().copy(mask, o);
  }
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

/**
 * AWS KMS, the part cachegate uses for its CA: asymmetric RSA keys for SIGN_VERIFY (CreateKey,
 * DescribeKey, GetPublicKey, Sign with MessageType RAW or DIGEST, DisableKey/EnableKey), with the
 * documented errors: NotFoundException for an unknown key, InvalidKeyUsageException for a key or
 * signing algorithm that cannot sign, DisabledException, ValidationException for a RAW message
 * over 4096 bytes or a digest of the wrong length. Private keys never leave the model.
 */
export class KmsModel implements ServiceModel {
  readonly serviceId = 'KMS';
  private readonly keys = new Map<string, Key>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly region = 'us-east-1',
    private readonly accountId = '000000000000',
  ) {}

  private key(keyId: string | undefined): Key {
    const id = keyId?.startsWith('arn:') ? keyId.slice(keyId.lastIndexOf('/') + 1) : keyId;
    const key = id === undefined ? undefined : this.keys.get(id);
    if (!key) throw serviceFault(NotFoundException, `Key '${keyId ?? ''}' does not exist`);
    return key;
  }

  private signingKey(keyId: string | undefined): Key & { privateKey: KeyObject } {
    const key = this.key(keyId);
    if (!key.enabled) throw serviceFault(DisabledException, `${key.arn} is disabled.`);
    if (key.keyUsage !== 'SIGN_VERIFY' || !key.privateKey) {
      throw serviceFault(
        InvalidKeyUsageException,
        `${key.arn} key usage is ${key.keyUsage} which is not valid for Sign.`,
      );
    }
    return key as Key & { privateKey: KeyObject };
  }

  private metadata(key: Key) {
    return {
      KeyId: key.keyId,
      Arn: key.arn,
      AWSAccountId: this.accountId,
      CreationDate: key.createdDate,
      Description: key.description,
      Enabled: key.enabled,
      KeyState: key.enabled ? 'Enabled' : 'Disabled',
      KeyUsage: key.keyUsage,
      KeySpec: key.keySpec,
      CustomerMasterKeySpec: key.keySpec,
      KeyManager: 'CUSTOMER',
      Origin: 'AWS_KMS',
      ...(key.keyUsage === 'SIGN_VERIFY' ? { SigningAlgorithms: [...SIGNING_ALGORITHMS] } : {}),
      ...(key.keyUsage === 'ENCRYPT_DECRYPT' ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : {}),
    };
  }

  readonly commands = {
    CreateKey: (input: { KeySpec?: string; KeyUsage?: string; Description?: string }) => {
      const keySpec = input.KeySpec ?? 'SYMMETRIC_DEFAULT';
      const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
      const bits = RSA_BITS[keySpec];
      const validPair =
        (bits !== undefined && keyUsage === 'SIGN_VERIFY') ||
        (keySpec === 'SYMMETRIC_DEFAULT' && keyUsage === 'ENCRYPT_DECRYPT');
      if (!validPair) {
        throw genericFault(
          'ValidationException',
          `KeySpec ${keySpec} with KeyUsage ${keyUsage} is not supported by the sandbox (RSA_2048/3072/4096 SIGN_VERIFY, SYMMETRIC_DEFAULT ENCRYPT_DECRYPT)`,
        );
      }
      const keyId = randomUUID();
      const key: Key = {
        keyId,
        arn: `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`,
        keySpec,
        keyUsage: keyUsage as Key['keyUsage'],
        description: input.Description ?? '',
        enabled: true,
        createdDate: this.clock.now(),
      };
      if (bits !== undefined) {
        const pair = generateKeyPairSync('rsa', { modulusLength: bits });
        key.privateKey = pair.privateKey;
        key.publicKeyDer = pair.publicKey.export({ type: 'spki', format: 'der' });
      }
      this.keys.set(keyId, key);
      return { KeyMetadata: this.metadata(key) };
    },

    DescribeKey: (input: { KeyId?: string }) => ({ KeyMetadata: this.metadata(this.key(input.KeyId)) }),

    DisableKey: (input: { KeyId?: string }) => {
      this.key(input.KeyId).enabled = false;
      return {};
    },

    EnableKey: (input: { KeyId?: string }) => {
      this.key(input.KeyId).enabled = true;
      return {};
    },

    GetPublicKey: (input: { KeyId?: string }) => {
      const key = this.key(input.KeyId);
      if (!key.publicKeyDer) {
        throw serviceFault(
          UnsupportedOperationException,
          `${key.arn} is a symmetric key and has no public key.`,
        );
      }
      return {
        KeyId: key.arn,
        PublicKey: new Uint8Array(key.publicKeyDer),
        KeySpec: key.keySpec,
        CustomerMasterKeySpec: key.keySpec,
        KeyUsage: key.keyUsage,
        SigningAlgorithms: [...SIGNING_ALGORITHMS],
      };
    },

    Sign: (input: {
      KeyId?: string;
      Message?: Uint8Array;
      MessageType?: 'RAW' | 'DIGEST';
      SigningAlgorithm?: string;
    }) => {
      const key = this.signingKey(input.KeyId);
      const algorithm = input.SigningAlgorithm as SigningAlgorithm;
      if (!SIGNING_ALGORITHMS.includes(algorithm)) {
        throw serviceFault(
          InvalidKeyUsageException,
          `Signing algorithm ${input.SigningAlgorithm ?? '(none)'} is not valid for ${key.keySpec} key ${key.arn}.`,
        );
      }
      const message = Buffer.from(input.Message ?? new Uint8Array(0));
      const messageType = input.MessageType ?? 'RAW';
      if (messageType === 'RAW' && (message.length === 0 || message.length > MAX_RAW_MESSAGE)) {
        throw genericFault(
          'ValidationException',
          `1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RAW_MESSAGE}`,
        );
      }
      if (messageType === 'DIGEST' && message.length !== SHA256_LENGTH) {
        throw genericFault(
          'ValidationException',
          'Digest is invalid length for algorithm ' + algorithm + '.',
        );
      }
      const digest = messageType === 'DIGEST' ? message : createHash('sha256').update(message).digest();
      const signature =
        algorithm === 'RSASSA_PKCS1_V1_5_SHA_256'
          ? privateEncrypt(
              { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING },
              Buffer.concat([SHA256_DIGEST_INFO, digest]),
            )
          : messageType === 'RAW'
            ? sign('sha256', message, {
                key: key.privateKey,
                padding: constants.RSA_PKCS1_PSS_PADDING,
                saltLength: SHA256_LENGTH,
              })
            : privateEncrypt(
                { key: key.privateKey, padding: constants.RSA_NO_PADDING },
                pssEncode(digest, RSA_BITS[key.keySpec] as number),
              );
      return {
        KeyId: key.arn,
        Signature: new Uint8Array(signature),
        SigningAlgorithm: algorithm,
      };
    },
  };
}
