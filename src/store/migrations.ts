/**
 * Schema migrations, applied in order on open; `PRAGMA user_version` records
 * how many have run. Append only: a shipped migration is never edited.
 * Kept as code rather than .sql files so every build carries them.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: the initial schema */ `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
  ) STRICT;

  CREATE TABLE environments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
  ) STRICT;

  CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    hash        TEXT NOT NULL UNIQUE,   -- SHA-256 of the token, hex; the token itself is never stored
    roles       TEXT NOT NULL,          -- JSON array
    projects    TEXT NOT NULL,          -- JSON array, ["*"] for all
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
  ) STRICT;

  CREATE TABLE jwks (
    id            TEXT PRIMARY KEY,     -- immutable; bound into the sealed blob's additional data
    project_id    TEXT NOT NULL REFERENCES projects(id),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    source_type   TEXT NOT NULL,
    source_id     TEXT,
    source_url    TEXT,
    type          TEXT NOT NULL,        -- RSA, EC, OCT, OKP
    kid           TEXT,
    key_use       TEXT NOT NULL,        -- SIGNATURE, ENCRYPTION
    algorithm     TEXT,
    parameters    TEXT NOT NULL,        -- JSON: size or curve and type-specific settings
    public_jwk    TEXT NOT NULL,        -- JSON: every member but the private ones
    sealed_private TEXT,                -- AES-256-GCM blob of the private members
    thumbprint    TEXT NOT NULL,
    not_before    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    revision      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, name)
  ) STRICT;
  CREATE UNIQUE INDEX jwks_project_kid ON jwks (project_id, kid) WHERE kid IS NOT NULL;

  CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    project    TEXT,
    jwk_name   TEXT,
    kid        TEXT,
    outcome    TEXT NOT NULL,
    request_id TEXT
  ) STRICT;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  `,
  /* 2: certificates, one copy per environment they are deployed to */ `
  CREATE TABLE certificates (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
  ) STRICT;

  CREATE TABLE certificate_environments (
    certificate_id TEXT NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    project_id     TEXT NOT NULL,       -- the certificate's, so an alias is unique per project and environment
    alias          TEXT NOT NULL,
    der            BLOB NOT NULL,       -- the X.509 certificate as sent, DER
    PRIMARY KEY (certificate_id, environment_id),
    UNIQUE (project_id, environment_id, alias)
  ) STRICT;
  `,
  /* 3: keys (Apinizer's CryptoKeyInfo), one copy per environment; private parts sealed */ `
  CREATE TABLE crypto_keys (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    key_type    TEXT NOT NULL,         -- RSA, EC, OKP
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
  ) STRICT;

  CREATE TABLE crypto_key_environments (
    key_id         TEXT NOT NULL REFERENCES crypto_keys(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    spki           BLOB NOT NULL,      -- the public key, DER
    sealed_private TEXT,               -- AES-256-GCM blob of the PKCS#8 DER, or NULL for a public key
    PRIMARY KEY (key_id, environment_id)
  ) STRICT;
  `,
  /* 4: keystores, one copy per environment; the file and its keys sealed together */ `
  CREATE TABLE keystores (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
  ) STRICT;

  CREATE TABLE keystore_environments (
    keystore_id    TEXT NOT NULL REFERENCES keystores(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    type           TEXT NOT NULL,      -- PKCS12, JKS
    aliases        TEXT NOT NULL,      -- JSON: each alias's name, key type and whether it has a private key
    sealed_content TEXT NOT NULL,      -- AES-256-GCM blob: the file as sent and every alias's PKCS#8 and certificates
    PRIMARY KEY (keystore_id, environment_id)
  ) STRICT;
  `,
  /* 5: a key's versions (docs/DESIGN.md, "Key lifecycle"); the jwks row stays the current one */ `
  ALTER TABLE jwks ADD COLUMN rotation TEXT;       -- JSON: the rotation policy, or NULL
  ALTER TABLE jwks ADD COLUMN publication TEXT;    -- JSON: the other versions it publishes and when that changes next
  ALTER TABLE jwks ADD COLUMN next_event_at TEXT;  -- when the scheduler has something to do with it
  CREATE INDEX jwks_next_event ON jwks (next_event_at) WHERE next_event_at IS NOT NULL;

  CREATE TABLE jwk_versions (
    jwk_id         TEXT NOT NULL REFERENCES jwks(id) ON DELETE CASCADE,
    project_id     TEXT NOT NULL,
    version        INTEGER NOT NULL,
    kid            TEXT NOT NULL,
    state          TEXT NOT NULL,      -- PENDING, ACTIVE, RETIRED, DISABLED, DESTROYED
    public_jwk     TEXT,               -- JSON; NULL once destroyed
    sealed_private TEXT,               -- AES-256-GCM blob; NULL for the current version (it is the jwks row's) and once destroyed
    thumbprint     TEXT NOT NULL,
    not_before     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    activates_at   TEXT,
    retired_at     TEXT,
    verify_until   TEXT,
    destroyed_at   TEXT,
    PRIMARY KEY (jwk_id, version)
  ) STRICT;
  -- A kid is never given twice in a project: not to another key, not to another version, not after a destroy.
  CREATE UNIQUE INDEX jwk_versions_project_kid ON jwk_versions (project_id, kid);
  `
]
