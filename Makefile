# Visual Neurons. Every target installs what it needs; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 3000

.PHONY: help dev test user package deploy bench infra-check venv build

help:
	@echo "make dev       run the whole system locally on http://localhost:$(PORT)"
	@echo "make test      run every test (unit, integration, infra, end-to-end, browser)"
	@echo "make user NAME=alice PASSWORD='...' [PERMANENT=1]   add a user to the running local stack"
	@echo "make package   build every Lambda for arm64 (cargo-lambda) into target/lambda/*/bootstrap.zip"
	@echo "make deploy    terraform apply + upload the frontend (see docs/deploy.md)"
	@echo "make bench     measure init time, latency, size, memory, build time (docs/benchmarks.md)"

venv:
	@scripts/venv.sh

build:
	cargo build -p local --bin vn-local

dev: venv build
	PORT=$(PORT) ./target/debug/vn-local dev

user: build
	@test -n "$(NAME)" -a -n "$(PASSWORD)" || { echo "usage: make user NAME=alice PASSWORD='...' [PERMANENT=1]"; exit 2; }
	./target/debug/vn-local user --name "$(NAME)" --password '$(PASSWORD)' $(if $(PERMANENT),--permanent)

test:
	scripts/test.sh

infra-check:
	cargo test -p infra-check
	scripts/checkov.sh
	scripts/terraform-check.sh
	scripts/terraform-test.sh

package:
	scripts/package.sh

deploy:
	scripts/deploy.sh

bench:
	scripts/bench.sh
