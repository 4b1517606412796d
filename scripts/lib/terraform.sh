# Sourced by scripts/terraform-check.sh and scripts/terraform-test.sh: finds the binary.
# find_terraform NAME [WHAT_DID_NOT_RUN]: sets TF (TERRAFORM, else terraform or tofu on PATH)
# and TF_VERSION (its first version line), or says NAME is skipped and exits 0.
# (No `| head` on terraform's output: with pipefail, a reader that stops early makes the
# writer's SIGPIPE fail the script at random.)
find_terraform() {
  local name="$1" what="${2:-}"
  TF="${TERRAFORM:-}"
  if [[ -z "$TF" ]]; then
    for candidate in terraform tofu; do
      if command -v "$candidate" >/dev/null 2>&1; then TF="$candidate"; break; fi
    done
  fi
  if [[ -z "$TF" ]]; then
    echo "$name: SKIPPED: no terraform or tofu binary on PATH (none is installable from PyPI/npm/apt here)${what:+; $what}."
    exit 0
  fi
  TF_VERSION="$("$TF" version 2>/dev/null || true)"
  TF_VERSION="${TF_VERSION%%$'\n'*}"
}
