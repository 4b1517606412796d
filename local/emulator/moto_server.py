"""moto in server mode, with DynamoDB made to behave like the real one where we rely on it.

moto's server runs every request on its own thread, and its DynamoDB backend reads and writes
without a lock: concurrent `ADD`s can be lost, and a failing `TransactWriteItems` restores a
copy of whole tables over writes other threads made meanwhile. Nor does it ever answer
`TransactionConflict`, which real DynamoDB does when two requests touch one item at once.
This launcher changes exactly that (docs/architecture.md, "The local DynamoDB"):

1. Every DynamoDB backend call runs under one lock, so writes to an item are serialized and a
   transaction is atomic: nothing sees or overwrites its half-done state.
2. A transaction holds its items for a short prepare phase (`VN_DDB_TXN_HOLD_MS`, default 2 ms)
   before it applies, with the lock released. A transaction that meets an item held by another
   in-flight transaction is cancelled with reason `TransactionConflict`; a single-item write to
   such an item fails with `TransactionConflictException`. Reads see the last committed state.

3. A transaction's rollback restores the items it touched (snapshotted under the lock) instead of
   deep copies of whole tables, which made each transaction cost O(table size).

4. A transaction item with an `ExpressionAttributeValues` entry that none of its expressions uses
   is refused with a `ValidationException`, as DynamoDB does (moto checks this for single
   writes, not inside transactions).

5. Each function of a local stack has its own identity: requests signed with a function's
   access key are checked against that function's policy (rendered from routes.json as
   Terraform renders it) and refused with AccessDenied as AWS refuses them, and S3 answers a
   missing object with 403 unless the identity may list the bucket (`iam.py`,
   docs/decisions/0002-local-iam.md). Other keys pass unchanged.

6. moto's Cognito, Secrets Manager and SQS queue bookkeeping are not thread-safe either: stacks
   started side by side (tests run in parallel on one emulator) met "dictionary changed size
   during iteration" in CreateSecret, CreateQueue and InitiateAuth. Those calls run one at a time
   (message traffic, long polls included, does not).

7. What each function's calls would be billed (requests, bytes, DynamoDB request units) is
   counted per identity (`meter.py`) for `make bench`'s AWS cost phase.

Everything else is moto, unchanged. Run it like `moto_server`: `python moto_server.py -H HOST -p PORT`.
"""

import copy
import functools
import json
import os
import re
import sys
import threading
import time

import moto.dynamodb.models as _models
from moto.dynamodb.exceptions import DynamodbException, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

HOLD_S = float(os.environ.get("VN_DDB_TXN_HOLD_MS", "2")) / 1000.0

_lock = threading.RLock()
_inflight = {}  # (table, key) -> the transaction holding the item
_local = threading.local()  # .applying: this thread is applying its own transaction


class TransactionConflictException(DynamodbException):
    error_type = "com.amazonaws.dynamodb.v20120810#TransactionConflictException"

    def __init__(self):
        super().__init__(
            TransactionConflictException.error_type,
            message="Transaction is ongoing for the item",
        )


def _key_of(backend, table_name, key_or_item):
    """The identity of an item: its table and primary key, as a hashable value."""
    table = backend.tables.get(table_name)
    if table is None:
        return None
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    if not all(n in key_or_item for n in names):
        return None
    return (table_name, json.dumps({n: key_or_item[n] for n in names}, sort_keys=True))


def _txn_keys(backend, transact_items):
    keys = []
    for item in transact_items:
        for op_type, op in item.items():
            body = op.get("Item") if op_type == "Put" else op.get("Key")
            keys.append(_key_of(backend, op.get("TableName"), body or {}))
    return keys


class _CopyWithoutTableBackups:
    """moto's `copy` module as moto's DynamoDB backend sees it: while this launcher applies a
    transaction (and keeps its own item-level snapshot), backing up a whole table is skipped."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(x, memo=None):
        if isinstance(x, Table) and getattr(_local, "applying", False):
            return x
        return copy.deepcopy(x, memo)


def _slot(table, key):
    """(hash, range) of an item's place in moto's table storage."""
    hk = DynamoType(key[table.hash_key_attr])
    rk = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hk, rk


def _snapshot(backend, transact_items):
    snap = []
    for item in transact_items:
        for op_type, op in item.items():
            table = backend.tables.get(op.get("TableName"))
            body = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not body:
                continue
            try:
                hk, rk = _slot(table, body)
            except (KeyError, TypeError, ValueError):
                continue
            current = table.items.get(hk)
            if rk is not None:
                current = current.get(rk) if isinstance(current, dict) else None
            snap.append((table, hk, rk, copy.deepcopy(current)))
    return snap


def _restore(snap):
    for table, hk, rk, old in reversed(snap):
        if rk is None:
            if old is None:
                table.items.pop(hk, None)
            else:
                table.items[hk] = old
        elif old is None:
            if isinstance(table.items.get(hk), dict):
                table.items[hk].pop(rk, None)
        else:
            table.items[hk][rk] = old


def _locked(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _lock:
            return fn(*args, **kwargs)

    return wrapper


def _single_write(fn, key_arg):
    """put_item/update_item/delete_item: refused while a transaction holds the item."""

    @functools.wraps(fn)
    def wrapper(self, table_name, *args, **kwargs):
        with _lock:
            if not getattr(_local, "applying", False):
                body = kwargs.get(key_arg) if key_arg in kwargs else (args[0] if args else {})
                k = _key_of(self, table_name, body or {})
                if k is not None and k in _inflight:
                    raise TransactionConflictException()
            return fn(self, table_name, *args, **kwargs)

    return wrapper


def _transact(fn):
    @functools.wraps(fn)
    def wrapper(self, transact_items):
        me = object()
        with _lock:
            keys = _txn_keys(self, transact_items)
            held = [k is not None and k in _inflight for k in keys]
            if any(held):
                raise TransactionCanceledException(
                    [
                        ("TransactionConflict", "Transaction is ongoing for the item", None)
                        if h
                        else (None, None, None)
                        for h in held
                    ]
                )
            for k in keys:
                if k is not None:
                    _inflight[k] = me
        try:
            if HOLD_S > 0:
                time.sleep(HOLD_S)
            with _lock:
                _local.applying = True
                snap = _snapshot(self, transact_items)
                try:
                    return fn(self, transact_items)
                except BaseException:
                    _restore(snap)
                    raise
                finally:
                    _local.applying = False
        finally:
            with _lock:
                for k in keys:
                    if k is not None and _inflight.get(k) is me:
                        del _inflight[k]

    return wrapper


_VALUE_REF = re.compile(r":[A-Za-z0-9_]+")


def _check_values_used(fn):
    """DynamoDB refuses a request whose ExpressionAttributeValues has a key no expression uses."""

    @functools.wraps(fn)
    def wrapper(self):
        from moto.dynamodb.exceptions import MockValidationException

        for item in self.body.get("TransactItems", []):
            op = next(iter(item.values()))
            used = set()
            for field in ("ConditionExpression", "UpdateExpression"):
                used.update(_VALUE_REF.findall(op.get(field) or ""))
            unused = sorted(set(op.get("ExpressionAttributeValues") or {}) - used)
            if unused:
                raise MockValidationException(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + ", ".join(unused) + "}"
                )
        return fn(self)

    return wrapper


_partition = threading.local()


def _all_items(fn):
    """Table.all_items, but only the queried partition while a base-table Query runs."""

    @functools.wraps(fn)
    def wrapper(self):
        part = getattr(_partition, "items", None)
        if part is not None and part[0] is self:
            return sorted(part[1], key=lambda item: item.range_key)
        return fn(self)

    return wrapper


def _partition_query(fn):
    """moto answers every Query by sorting the whole table (Table.all_items), so a Query's
    time grows with the table, not with its partition as on DynamoDB. A base-table Query on a
    table with a range key reads only its hash key's items here (the same items moto would
    keep after its hash-key filter, in the same order); index queries are unchanged."""

    @functools.wraps(fn)
    def wrapper(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None or not self.range_key_attr:
            return fn(self, hash_key, *args, **kwargs)
        items = self.items.get(hash_key)
        _partition.items = (self, list(items.values()) if isinstance(items, dict) else [])
        try:
            return fn(self, hash_key, *args, **kwargs)
        finally:
            _partition.items = None

    return wrapper


def patch():
    for name, attr in list(vars(DynamoDBBackend).items()):
        if name.startswith("_") or not callable(attr) or isinstance(attr, (staticmethod, classmethod, type)):
            continue
        if name == "transact_write_items":
            continue
        wrapped = _locked(attr)
        if name == "put_item":
            wrapped = _single_write(wrapped, "item_attrs")
        elif name in ("update_item", "delete_item"):
            wrapped = _single_write(wrapped, "key")
        setattr(DynamoDBBackend, name, wrapped)
    DynamoDBBackend.transact_write_items = _transact(DynamoDBBackend.transact_write_items)
    from moto.dynamodb.responses import DynamoHandler

    DynamoHandler.transact_write_items = _check_values_used(DynamoHandler.transact_write_items)
    _models.copy = _CopyWithoutTableBackups()
    Table.all_items = _all_items(Table.all_items)
    Table.query = _partition_query(Table.query)


_control_lock = threading.Lock()
_SQS_CONTROL = {"CreateQueue", "DeleteQueue", "GetQueueAttributes", "SetQueueAttributes", "GetQueueUrl", "ListQueues", "PurgeQueue"}


def _is_control_plane(environ):
    """Calls whose moto backends mutate shared dicts without a lock (point 6)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith(("AWSCognitoIdentityProviderService.", "secretsmanager.")):
        return True
    return target.startswith("AmazonSQS.") and target.split(".", 1)[1] in _SQS_CONTROL


def patch_iam():
    import moto.server as server

    import iam
    import meter

    base = server.DomainDispatcherApplication

    class WithIdentities(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._checked = meter.middleware(iam.middleware(super().__call__))

        def __call__(self, environ, start_response):
            if _is_control_plane(environ):
                with _control_lock:
                    # The whole answer is produced under the lock.
                    return list(self._checked(environ, start_response))
            return self._checked(environ, start_response)

    server.DomainDispatcherApplication = WithIdentities


if __name__ == "__main__":
    patch()
    patch_iam()
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
