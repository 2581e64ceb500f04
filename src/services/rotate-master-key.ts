import { randomBytes } from 'node:crypto'
import { ConfigError } from '../config.js'
import { jwkAdditionalData, jwkVersionAdditionalData, keyAdditionalData, keystoreAdditionalData, Sealer } from '../crypto/sealer.js'
import { reconcileEnvironments } from '../deploy/open-target.js'
import { writeFileDurably } from '../store/durable-fs.js'
import type { SqliteBinding } from '../store/database.js'
import type { Store } from '../store/store.js'
import { CHECK_KEY, adoptPendingKey, pendingKeyPath, resolveMasterKey, sealCheck, type VaultConfig } from './vault.js'

/**
 * Re-seals every private key under a fresh master key, atomically:
 * 1. the new key is written durably beside the current one (`<path>.new`);
 * 2. one transaction re-seals every row, moves its revision on, and replaces
 *    the check value — the commit is the moment of rotation;
 * 3. the new key file is renamed over the old one;
 * 4. the snapshots are rewritten (their revisions are outdated).
 * A crash before 2 leaves the old key in force; after 2, any start (or a
 * running server's vault) finds `.new`, sees it opens the check, and finishes 3.
 * @returns how many private parts (JWKs, their other versions, stored keys' copies, keystores) were re-sealed
 */
export async function rotateMasterKey (store: Store, config: VaultConfig, sqlite?: SqliteBinding): Promise<number> {
  if (config.masterKey !== undefined) {
    throw new ConfigError('the master key comes from JWKD_MASTER_KEY, which jwkd cannot rewrite: keep it in a file (JWKD_MASTER_KEY_FILE) to rotate it')
  }
  const { sealer: current, masterKey } = await resolveMasterKey(store, config)
  const path = masterKey.path as string
  const nextKey = randomBytes(32)
  const next = new Sealer(nextKey)
  writeFileDurably(pendingKeyPath(path), nextKey.toString('base64') + '\n')

  // The rows are read under the write lock: a key a running server commits
  // meanwhile is either re-sealed here or sealed by it under the new key.
  const resealed = await store.commits.run(async tx => {
    // The new check first: on PostgreSQL its row lock holds back every commit that would seal (they read the check share-locked) until this one is done.
    await tx.meta.set(CHECK_KEY, sealCheck(next))
    const sealed = await tx.jwks.sealedPrivates()
    for (const { id, sealedPrivate } of sealed) {
      const aad = jwkAdditionalData(id)
      await tx.jwks.reseal(id, next.seal(current.open(sealedPrivate, aad), aad))
    }
    const versions = await tx.jwkVersions.sealedPrivates()
    for (const { jwkId, version, sealedPrivate } of versions) {
      const aad = jwkVersionAdditionalData(jwkId, version)
      await tx.jwkVersions.reseal(jwkId, version, next.seal(current.open(sealedPrivate, aad), aad))
    }
    const keys = await tx.keys.sealedPrivates()
    for (const { keyId, environmentId, sealedPrivate } of keys) {
      const aad = keyAdditionalData(keyId, environmentId)
      await tx.keys.reseal(keyId, environmentId, next.seal(current.open(sealedPrivate, aad), aad))
    }
    const keystores = await tx.keystores.sealedContents()
    for (const { keystoreId, environmentId, sealedContent } of keystores) {
      const aad = keystoreAdditionalData(keystoreId, environmentId)
      await tx.keystores.reseal(keystoreId, environmentId, next.seal(current.open(sealedContent, aad), aad))
    }
    return sealed.length + versions.length + keys.length + keystores.length
  })

  // The blobs sealed under the retired key must not outlive it in the WAL.
  await store.purgeDeleted()
  adoptPendingKey(path, nextKey)
  await reconcileEnvironments(store, { dataDir: config.dataDir, sqlite })
  return resealed
}
