"""The emulator (moto): starting it, the stack's resources in it (tables of infra/tables.json,
bucket, queue, secrets), and its own round-trip time."""
import http.client
import json
import subprocess
import time

from bench_common import ROOT, USER, now_ns
from function_env import BENCH_VALUES

WEBHOOK_SECRET = "whsec_YmVuY2gtb25seS13ZWJob29rLXNlY3JldC1ub3QtcmVhbA=="
MEDIA_KEY_PAIR_ID = "KBENCHMEDIAKEY"


def start_moto(moto_bin, port):
    proc = subprocess.Popen([moto_bin, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/moto-api/")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto did not start")


def create_resources(endpoint):
    import boto3

    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
    ddb = boto3.client("dynamodb", **kw)
    defs = json.loads((ROOT / "infra/tables.json").read_text())["tables"]
    for key, d in defs.items():
        schema = [{"AttributeName": d["hash_key"], "KeyType": "HASH"}] + ([{"AttributeName": d["range_key"], "KeyType": "RANGE"}] if d.get("range_key") else [])
        args = dict(
            TableName=f"bench-{key}",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=schema,
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in d["attributes"].items()],
        )
        gsis = []
        for g in d.get("global_secondary_indexes", []):
            ks = [{"AttributeName": g["hash_key"], "KeyType": "HASH"}] + ([{"AttributeName": g["range_key"], "KeyType": "RANGE"}] if g.get("range_key") else [])
            gsis.append({"IndexName": g["name"], "KeySchema": ks, "Projection": {"ProjectionType": g["projection"]}})
        if gsis:
            args["GlobalSecondaryIndexes"] = gsis
        ddb.create_table(**args)
    boto3.client("s3", **kw).create_bucket(Bucket=BENCH_VALUES["MEDIA_BUCKET"])
    q = boto3.client("sqs", **kw).create_queue(QueueName="bench-generation")["QueueUrl"]
    sm = boto3.client("secretsmanager", **kw)
    sm.create_secret(Name=BENCH_VALUES["REPLICATE_TOKEN_SECRET_ID"], SecretString="r8_bench_only_not_a_token")
    sm.create_secret(Name=BENCH_VALUES["WEBHOOK_SECRET_ID"], SecretString=WEBHOOK_SECRET)
    sm.create_secret(Name=BENCH_VALUES["MEDIA_SIGNING_KEY_SECRET_ID"], SecretString=media_signing_key_secret())
    return q


def moto_rtt(port, n):
    """DynamoDB Query on the jobs table over one keep-alive connection, as the SDK would."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"TableName": "bench-jobs", "KeyConditionExpression": "user_id = :u", "ExpressionAttributeValues": {":u": {"S": USER}}, "ScanIndexForward": False, "Limit": 20})
    hdrs = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.Query",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20261122/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    }
    out = []
    for _ in range(n):
        t = now_ns()
        c.request("POST", "/", body=body, headers=hdrs)
        r = c.getresponse()
        r.read()
        out.append(now_ns() - t)
    return out


def media_signing_key_secret():
    """The media signing key secret as an operator stores it (docs/deploy.md): a fresh ECDSA
    P-256 key, its id and private key in one JSON object."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return json.dumps({"key_pair_id": MEDIA_KEY_PAIR_ID, "private_key": pem.decode()})
