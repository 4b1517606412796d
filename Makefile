# Visual Neurons. Every target installs what it needs; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 3000

.PHONY: help dev test user seed backfill backfill-aws catalog-check ledger ledger-aws package deploy smoke bench infra-check venv build soak soak-fuzz soak-load soak-schema

help:
	@echo "make dev       run the whole system locally on http://localhost:$(PORT)"
	@echo "make test      run every test (unit, integration, infra, end-to-end, browser)"
	@echo "make user NAME=alice PASSWORD='...' [PERMANENT=1] [LIMIT=5] [STORAGE_LIMIT=500]   add a user to the running local stack (LIMIT: their own monthly limit in USD, STORAGE_LIMIT: their own storage limit in MB; without PASSWORD it only sets the limits)"
	@echo "make seed NAME=bob ASSETS=2000 [SIZE=256]   fill an existing user's gallery on the running local stack with saved pictures (real images, counted in storage, searchable), to try or measure a full account"
	@echo "make backfill  bring the running local stack's asset items up to date (gallery index keys, expiry, storage count, search index, thumbnails); safe to repeat"
	@echo "make backfill-aws ASSETS_TABLE=... USAGE_TABLE=... [UNSAVED_EXPIRATION_DAYS=30] [GENERATION_QUEUE_URL=...]   the same against a deployment, with your AWS credentials (docs/deploy.md)"
	@echo "make catalog-check   compare the model catalog with Replicate (REPLICATE_API_TOKEN; without it, the local simulator): official or not, pinned vs latest version, every input; fails on drift (docs/deploy.md §1a)"
	@echo "make ledger [MONTH=YYYY-MM]   the running local stack's operator month: per model, what users paid, what Replicate billed, the margin; then the last provider audit (predictions no job knows)"
	@echo "make ledger-aws USAGE_TABLE=... [MEDIA_BUCKET=...] [MONTH=YYYY-MM]   the same for a deployment, with your AWS credentials (docs/deploy.md)"
	@echo "make package   build every Lambda for arm64 (cargo-lambda) into target/lambda/*/bootstrap.zip"
	@echo "make deploy    terraform apply + upload the frontend (see docs/deploy.md)"
	@echo "make smoke URL=https://... USERNAME=... PASSWORD='...' [MAX_USD=0.05] [TIMEOUT=180]   check a deployment end to end in about a minute for about \$$0.0025 (docs/deploy.md §8)"
	@echo "make bench     measure init time, latency, size, memory, build time, AWS cost per job, Lighthouse on a phone (docs/benchmarks.md; BENCH_ONLY=awscost or lighthouse: just that part)"
	@echo "make soak      the long reliability runs (docs/reliability.md): soak-fuzz, soak-load and soak-schema, one after another"
	@echo "make soak-fuzz fuzz each parser target for FUZZ_SECONDS (default 600) with cargo-fuzz (FUZZ_ENGINE=loop: the built-in loop)"
	@echo "make soak-load 200 users for 60 s of mixed reads and generations on a local stack; fails on any error or lost job (LOAD_USERS, LOAD_SECONDS)"
	@echo "make soak-schema schemathesis, every phase, with SCHEMATHESIS_MAX_EXAMPLES (default 200) per operation on a local stack"

venv:
	@scripts/venv.sh

build:
	cargo build -p local --bin vn-local

dev: venv build
	PORT=$(PORT) ./target/debug/vn-local dev

user: build
	@test -n "$(NAME)" -a -n "$(PASSWORD)$(LIMIT)$(STORAGE_LIMIT)" || { echo "usage: make user NAME=alice PASSWORD='...' [PERMANENT=1] [LIMIT=5] [STORAGE_LIMIT=500]"; exit 2; }
	./target/debug/vn-local user --name "$(NAME)" $(if $(PASSWORD),--password '$(PASSWORD)') $(if $(PERMANENT),--permanent) $(if $(LIMIT),--limit '$(LIMIT)') $(if $(STORAGE_LIMIT),--storage-limit '$(STORAGE_LIMIT)')

seed: build
	@test -n "$(NAME)" -a -n "$(ASSETS)" || { echo "usage: make seed NAME=bob ASSETS=2000 [SIZE=256]"; exit 2; }
	./target/debug/vn-local seed --name "$(NAME)" --assets "$(ASSETS)" $(if $(SIZE),--size '$(SIZE)')

backfill: build
	./target/debug/vn-local backfill

backfill-aws: build
	@test -n "$(ASSETS_TABLE)" -a -n "$(USAGE_TABLE)" || { echo "usage: make backfill-aws ASSETS_TABLE=<the deployment's assets table> USAGE_TABLE=<its usage table> [UNSAVED_EXPIRATION_DAYS=30]"; exit 2; }
	ASSETS_TABLE='$(ASSETS_TABLE)' USAGE_TABLE='$(USAGE_TABLE)' $(if $(UNSAVED_EXPIRATION_DAYS),UNSAVED_EXPIRATION_DAYS='$(UNSAVED_EXPIRATION_DAYS)') $(if $(GENERATION_QUEUE_URL),GENERATION_QUEUE_URL='$(GENERATION_QUEUE_URL)') ./target/debug/vn-local backfill --aws

ledger: build
	./target/debug/vn-local ledger $(if $(MONTH),--month '$(MONTH)')

ledger-aws: build
	@test -n "$(USAGE_TABLE)" || { echo "usage: make ledger-aws USAGE_TABLE=<the deployment's usage table> [MEDIA_BUCKET=<its media bucket>] [MONTH=YYYY-MM]"; exit 2; }
	USAGE_TABLE='$(USAGE_TABLE)' $(if $(MEDIA_BUCKET),MEDIA_BUCKET='$(MEDIA_BUCKET)') ./target/debug/vn-local ledger --aws $(if $(MONTH),--month '$(MONTH)')

test:
	scripts/test.sh

# With REPLICATE_API_TOKEN: Replicate itself (a few free reads). Without: the local simulator.
catalog-check: build
	./target/debug/vn-local catalog-check

infra-check:
	cargo test -p infra-check
	scripts/checkov.sh
	scripts/terraform-check.sh
	scripts/terraform-test.sh

package:
	scripts/package.sh

deploy:
	scripts/deploy.sh

# Python 3's standard library only. The values reach the script through its environment, not
# its command line; $(value ...) keeps a '$' in a password as typed. PASSWORD may come from the
# environment (make reads it from there too), which keeps it out of the shell history.
smoke: export SMOKE_URL = $(value URL)
smoke: export SMOKE_USERNAME = $(value USERNAME)
smoke: export SMOKE_PASSWORD = $(value PASSWORD)
smoke: export SMOKE_MAX_USD = $(value MAX_USD)
smoke: export SMOKE_TIMEOUT = $(value TIMEOUT)
smoke:
	@test -n "$$SMOKE_URL" -a -n "$$SMOKE_USERNAME" -a -n "$$SMOKE_PASSWORD" || { echo "usage: make smoke URL=https://studio.example.com USERNAME=<a Cognito user> PASSWORD='...' [MAX_USD=0.05] [TIMEOUT=180]"; exit 2; }
	@python3 scripts/smoke.py

bench:
	scripts/bench.sh

# The long runs `make test` only samples (docs/reliability.md). Each installs what it needs.
soak: soak-fuzz soak-load soak-schema

# Ten minutes per target unless FUZZ_SECONDS says.
soak-fuzz:
	FUZZ_ENGINE=$${FUZZ_ENGINE:-libfuzzer} scripts/fuzz.sh

soak-load:
	scripts/load.sh

soak-schema: venv
	SCHEMATHESIS_MAX_EXAMPLES=$${SCHEMATHESIS_MAX_EXAMPLES:-200} scripts/schemathesis.sh
