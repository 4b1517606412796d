//! The SDK operation table: which method calls on an SDK client are AWS operations, and the IAM
//! action each needs. An operation not listed here on an SDK client is an error (see
//! `sdk_service`): add it, with its IAM action, before using it.

use super::body::hint;
use std::collections::BTreeSet;
use syn::Expr;

/// SDK client fields of the adapters and the service their operations belong to.
const CLIENT_FIELDS: &[(&str, &str)] = &[("ddb", "dynamodb"), ("s3", "s3"), ("sqs", "sqs"), ("client", "secretsmanager")];

/// SDK operation (Rust method name) -> IAM action, per service. An operation not listed here
/// on an SDK client is an error: add it (with its IAM action) before using it.
pub(super) const OPERATIONS: &[(&str, &str, &str)] = &[
    ("dynamodb", "get_item", "GetItem"),
    ("dynamodb", "put_item", "PutItem"),
    ("dynamodb", "update_item", "UpdateItem"),
    ("dynamodb", "delete_item", "DeleteItem"),
    ("dynamodb", "query", "Query"),
    ("dynamodb", "scan", "Scan"),
    ("dynamodb", "batch_get_item", "BatchGetItem"),
    ("dynamodb", "batch_write_item", "BatchWriteItem"),
    ("dynamodb", "transact_get_items", "GetItem"),
    // TransactWriteItems is no IAM action: each item needs its own (see TRANSACT_ITEMS).
    ("dynamodb", "transact_write_items", ""),
    ("s3", "get_object", "GetObject"),
    ("s3", "head_object", "GetObject"),
    ("s3", "put_object", "PutObject"),
    ("s3", "delete_object", "DeleteObject"),
    ("s3", "put_object_tagging", "PutObjectTagging"),
    ("s3", "get_object_tagging", "GetObjectTagging"),
    // CopyObject writes the target (PutObject) and reads the source (GetObject, added below).
    ("s3", "copy_object", "PutObject"),
    // Not an SDK operation: the presigned POST form that Media::presigned_post signs with the
    // role's credentials. S3 authorizes the browser's upload as the signer's s3:PutObject.
    ("s3", "presigned_post", "PutObject"),
    // Bucket-level actions: authorized on the bucket's ARN (routes.json `media_bucket`).
    ("s3", "list_objects_v2", "ListBucket"),
    ("s3", "list_object_versions", "ListBucketVersions"),
    // A multipart upload is authorized as s3:PutObject, except its abort.
    ("s3", "create_multipart_upload", "PutObject"),
    ("s3", "upload_part", "PutObject"),
    ("s3", "complete_multipart_upload", "PutObject"),
    ("s3", "abort_multipart_upload", "AbortMultipartUpload"),
    ("sqs", "send_message", "SendMessage"),
    ("sqs", "send_message_batch", "SendMessage"),
    ("sqs", "receive_message", "ReceiveMessage"),
    ("sqs", "delete_message", "DeleteMessage"),
    ("sqs", "change_message_visibility", "ChangeMessageVisibility"),
    ("secretsmanager", "get_secret_value", "GetSecretValue"),
];

/// Transaction item builders and the item action IAM checks for each.
pub(super) const TRANSACT_ITEMS: &[(&str, &str)] = &[
    ("Put", "PutItem"),
    ("Update", "UpdateItem"),
    ("Delete", "DeleteItem"),
    ("ConditionCheck", "ConditionCheckItem"),
];

/// Operation names that are also common non-SDK method names (`reqwest`'s `.query(..)`): an
/// SDK call only on a receiver named like a client field.
const AMBIGUOUS_OPERATIONS: &[&str] = &["query", "scan"];

/// The service of an SDK operation call: a known operation on any receiver (an unambiguous
/// name), or any method on a receiver named like an SDK client field (`self.ddb.<op>()`), so an
/// operation this module does not know yet is reported instead of missed.
pub(super) fn sdk_service(m: &syn::ExprMethodCall) -> Option<&'static str> {
    let name = m.method.to_string();
    let on_client = hint(&m.receiver).and_then(|h| CLIENT_FIELDS.iter().find(|(f, _)| *f == h).map(|(_, s)| *s));
    let services: BTreeSet<&'static str> = OPERATIONS.iter().filter(|(_, o, _)| *o == name).map(|(s, _, _)| *s).collect();
    if services.len() == 1 && (on_client.is_some() || !AMBIGUOUS_OPERATIONS.contains(&name.as_str())) {
        return services.into_iter().next();
    }
    // Only a direct field access (`self.ddb.x()`) counts here: `self.client.lock()` style calls
    // on other values named `client` are not SDK calls.
    // Methods every client has that make no request.
    const NOT_OPERATIONS: &[&str] = &["clone", "as_ref", "deref", "borrow", "to_owned", "config"];
    match &*m.receiver {
        Expr::Field(_) if !NOT_OPERATIONS.contains(&name.as_str()) => on_client,
        _ => None,
    }
}
