"""Every function's environment, built from infra/environment.json (the one list of its names
that Terraform and the local stack read too): the bench gives a value to each name whose set_by
has "bench", and refuses to start (naming it) when one has none, or when it would set a name the
list lacks."""
import json

from bench_common import ROOT

EXTRA_ENV = {}
ENV_LIST = json.loads((ROOT / "infra/environment.json").read_text())["variables"]

# What Lambda itself gives every process (the runtime's variables and the role's credentials),
# and what only the bench's harness adds: none of it is the functions' configuration, so none of
# it is in infra/environment.json.
LAMBDA_RUNTIME_ENV = {
    "PATH": "/usr/bin:/bin",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
    "AWS_LAMBDA_LOG_LEVEL": "WARN",
    "AWS_ACCESS_KEY_ID": "AKIDBENCHONLY",
    "AWS_SECRET_ACCESS_KEY": "bench-only-not-a-secret",
    "AWS_SESSION_TOKEN": "bench-only",
    "AWS_EC2_METADATA_DISABLED": "true",
}
HARNESS_ENV = {"SSL_CERT_FILE"}  # builds that load the system store (a "before" binary of docs/benchmarks.md)

# The bench's values for the names of infra/environment.json (set_by "bench" must all be here).
BENCH_VALUES = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "JOBS_TABLE": "bench-jobs",
    "ASSETS_TABLE": "bench-assets",
    "USAGE_TABLE": "bench-usage",
    "IDEMPOTENCY_TABLE": "bench-idempotency",
    "SHARES_TABLE": "bench-shares",
    "MEDIA_BUCKET": "bench-media",
    "GENERATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/bench-generation",
    "REPLICATE_TOKEN_SECRET_ID": "bench/replicate-api-token",
    "WEBHOOK_SECRET_ID": "bench/replicate-webhook-secret",
    "MEDIA_SIGNING_KEY_SECRET_ID": "bench/media-signing-key",
    "PUBLIC_BASE_URL": "https://bench.invalid",
    "MONTHLY_LIMIT_USD": "1000000",
    # The bench stores thousands of uploads and results for one user.
    "STORAGE_LIMIT_MB": "1000000000",
    # One bench user starts hundreds of jobs a minute: without this, all but the first 30
    # generate requests would measure the 429 of the rate limit instead of a queued job.
    "JOB_STARTS_PER_MINUTE": "0",
    "LOG_LEVEL": "info",  # what Terraform deploys (var.log_level)
}


def check_env(config):
    """The function configuration part of an environment against infra/environment.json: every
    name the bench must set has a value, and every name set is listed. Exits naming them."""
    missing = sorted(k for k, v in ENV_LIST.items() if "bench" in v["set_by"] and not config.get(k))
    unlisted = sorted(k for k in config if k not in ENV_LIST)
    if missing or unlisted:
        raise SystemExit(f"bench: the function environment does not match infra/environment.json: no value for {missing}; not in the list: {unlisted}")


def lambda_env(fn, runtime_port, endpoint=None, replicate=None, extra=None):
    config = dict(BENCH_VALUES)
    if endpoint:
        config["AWS_ENDPOINT_URL"] = endpoint
    if replicate:
        config["REPLICATE_API_BASE"] = replicate
    harness = {}
    for k, v in {**(extra or {}), **EXTRA_ENV}.items():
        (harness if k in HARNESS_ENV else config)[k] = v
    check_env(config)
    return {
        **LAMBDA_RUNTIME_ENV,
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{runtime_port}",
        "AWS_LAMBDA_FUNCTION_NAME": f"vn-bench-{fn}",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/vn-bench-{fn}",
        **harness,
        **config,
    }
