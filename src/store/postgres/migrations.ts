/**
 * The PostgreSQL schema, the same tables and constraints as SQLite's
 * (src/store/migrations.ts): uniqueness of names and kids is the database's,
 * whichever instance writes. Append only; `jwkd_schema` records how many ran.
 * Timestamps stay ISO-8601 text and names compare byte by byte (COLLATE "C"),
 * as in SQLite, so records and pages read back the same from either database.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  /* 1: everything SQLite's migrations 1 to 4 make */ `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL COLLATE "C" UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
  );

  CREATE TABLE environments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL COLLATE "C" UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
  );

  CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL COLLATE "C" UNIQUE,
    hash        TEXT NOT NULL UNIQUE,
    roles       TEXT NOT NULL,
    projects    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
  );

  CREATE TABLE jwks (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects(id),
    name           TEXT NOT NULL COLLATE "C",
    description    TEXT NOT NULL DEFAULT '',
    source_type    TEXT NOT NULL,
    source_id      TEXT,
    source_url     TEXT,
    type           TEXT NOT NULL,
    kid            TEXT COLLATE "C",
    key_use        TEXT NOT NULL,
    algorithm      TEXT,
    parameters     TEXT NOT NULL,
    public_jwk     TEXT NOT NULL,
    sealed_private TEXT,
    thumbprint     TEXT NOT NULL,
    not_before     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    revision       INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT jwks_project_name UNIQUE (project_id, name)
  );
  CREATE UNIQUE INDEX jwks_project_kid ON jwks (project_id, kid) WHERE kid IS NOT NULL;
  CREATE INDEX jwks_source ON jwks (source_id) WHERE source_id IS NOT NULL;

  CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    project    TEXT,
    jwk_name   TEXT,
    kid        TEXT,
    outcome    TEXT NOT NULL,
    request_id TEXT
  );
  CREATE FUNCTION audit_log_append_only () RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
  CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

  CREATE TABLE certificates (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL COLLATE "C",
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
  );
  CREATE TABLE certificate_environments (
    certificate_id TEXT NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    project_id     TEXT NOT NULL,
    alias          TEXT NOT NULL,
    der            BYTEA NOT NULL,
    PRIMARY KEY (certificate_id, environment_id),
    CONSTRAINT certificate_alias UNIQUE (project_id, environment_id, alias)
  );

  CREATE TABLE crypto_keys (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL COLLATE "C",
    description TEXT NOT NULL DEFAULT '',
    key_type    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
  );
  CREATE TABLE crypto_key_environments (
    key_id         TEXT NOT NULL REFERENCES crypto_keys(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    spki           BYTEA NOT NULL,
    sealed_private TEXT,
    PRIMARY KEY (key_id, environment_id)
  );

  CREATE TABLE keystores (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL COLLATE "C",
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
  );
  CREATE TABLE keystore_environments (
    keystore_id    TEXT NOT NULL REFERENCES keystores(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    type           TEXT NOT NULL,
    aliases        TEXT NOT NULL,
    sealed_content TEXT NOT NULL,
    PRIMARY KEY (keystore_id, environment_id)
  );
  `,
  /* 2: what each environment holds, where every instance reads it (the data directory's snapshot files on SQLite) */ `
  CREATE TABLE snapshots (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    project        TEXT NOT NULL COLLATE "C",
    revision       INTEGER NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (environment_id, id)
  );
  CREATE INDEX snapshots_by_project ON snapshots (environment_id, project);
  `,
  /* 3: a key's versions; the jwks row stays the current one */ `
  ALTER TABLE jwks ADD COLUMN rotation TEXT;
  ALTER TABLE jwks ADD COLUMN publication TEXT;
  ALTER TABLE jwks ADD COLUMN next_event_at TEXT;
  CREATE INDEX jwks_next_event ON jwks (next_event_at) WHERE next_event_at IS NOT NULL;
  CREATE TABLE jwk_versions (
    jwk_id         TEXT NOT NULL REFERENCES jwks(id) ON DELETE CASCADE,
    project_id     TEXT NOT NULL,
    version        INTEGER NOT NULL,
    kid            TEXT NOT NULL COLLATE "C",
    state          TEXT NOT NULL,
    public_jwk     TEXT,
    sealed_private TEXT,
    thumbprint     TEXT NOT NULL,
    not_before     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    activates_at   TEXT,
    retired_at     TEXT,
    verify_until   TEXT,
    destroyed_at   TEXT,
    PRIMARY KEY (jwk_id, version)
  );
  CREATE UNIQUE INDEX jwk_versions_project_kid ON jwk_versions (project_id, kid);
  `,
  /*
   * 4: a kid is one key's, whichever table names it. The two unique indexes
   * each see one table; two instances could give one kid to a new key and to
   * another key's next version at once. Every kid either table takes is
   * inserted here too, by trigger, in the same statement: the primary key
   * refuses the second, and the refusal names the index the caller knows.
   */ `
  CREATE TABLE jwk_kids (
    project_id TEXT NOT NULL,
    kid        TEXT NOT NULL COLLATE "C",
    jwk_id     TEXT NOT NULL REFERENCES jwks(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, kid)
  );
  CREATE INDEX jwk_kids_by_jwk ON jwk_kids (jwk_id);
  INSERT INTO jwk_kids (project_id, kid, jwk_id)
    SELECT project_id, kid, id FROM jwks WHERE kid IS NOT NULL
    UNION SELECT project_id, kid, jwk_id FROM jwk_versions
    ON CONFLICT DO NOTHING;
  CREATE FUNCTION jwk_kid_reserve (project TEXT, wanted TEXT, jwk TEXT, refusing TEXT) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE holder TEXT;
  BEGIN
    -- inserts, or locks and reads the row it conflicts with (after waiting for its transaction), in one atomic step
    INSERT INTO jwk_kids (project_id, kid, jwk_id) VALUES (project, wanted, jwk)
      ON CONFLICT (project_id, kid) DO UPDATE SET jwk_id = jwk_kids.jwk_id RETURNING jwk_id INTO holder;
    IF holder <> jwk THEN
      RAISE unique_violation USING MESSAGE = format('kid %s is another key''s', wanted), CONSTRAINT = refusing;
    END IF;
  END $$;
  CREATE FUNCTION jwks_kid_reserve () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM jwk_kid_reserve(NEW.project_id, NEW.kid, NEW.id, 'jwks_project_kid');
    RETURN NULL;
  END $$;
  CREATE FUNCTION jwk_versions_kid_reserve () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM jwk_kid_reserve(NEW.project_id, NEW.kid, NEW.jwk_id, 'jwk_versions_project_kid');
    RETURN NULL;
  END $$;
  CREATE TRIGGER jwks_kid AFTER INSERT OR UPDATE OF kid ON jwks
    FOR EACH ROW WHEN (NEW.kid IS NOT NULL) EXECUTE FUNCTION jwks_kid_reserve();
  CREATE TRIGGER jwk_versions_kid AFTER INSERT ON jwk_versions
    FOR EACH ROW EXECUTE FUNCTION jwk_versions_kid_reserve();
  `
]
