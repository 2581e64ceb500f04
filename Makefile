# The two commands the README promises: `make run` and `make test`.
.PHONY: install build run test check lint typecheck bench clean chromium postgres binary

NPM ?= npm

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

build: install
	$(NPM) run build

run: build
	$(NPM) start

typecheck: install
	$(NPM) run typecheck

lint: install
	$(NPM) run lint

# The fast inner loop: type check, lint, and the tests of pure modules (no server, no child process).
UNIT_TESTS = test/batching/*.test.ts test/schemas/*.test.ts \
	test/crypto/key-soundness.test.ts test/crypto/sealer.test.ts test/crypto/kid.test.ts \
	test/services/address-policy.test.ts test/services/generate-plan.test.ts test/services/key-usage.test.ts \
	test/services/import-source.test.ts test/services/import-draft.test.ts test/services/validity.test.ts \
	test/services/deployment-result.test.ts test/crypto/der.test.ts test/files/zip.test.ts
check: install typecheck lint
	npx tap --disable-coverage $(UNIT_TESTS)

chromium:
	bash .ci/ensure-chromium

postgres:
	bash .ci/ensure-postgres

# The suite runs twice: on SQLite (with coverage), then on PostgreSQL
# (harness/suite-on-postgres.ts: a throwaway cluster, a database per test).
# The bench smoke test runs the built server, as `make bench` does; the
# binary test runs dist/jwkd, built once per run here.
test: install typecheck lint chromium postgres build binary
	$(NPM) test
	$(NPM) run test:postgres

# dist/jwkd: one executable, no Node needed on the target host (README: "One file").
binary: build
	node tools/build-binary.mjs

bench: build
	$(NPM) run bench

clean:
	rm -rf dist .tap coverage
