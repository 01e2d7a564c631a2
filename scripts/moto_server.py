"""Runs moto's server for Plumb's tests and demo.

moto answers a few operations with XML that botocore accepts but that
differs from what AWS sends, and the AWS SDK for Rust (which checks the
root element) rejects it. Each shim below makes moto answer as AWS does;
nothing else of moto is changed. Usage is that of `moto_server`.
"""

import json
import sys

from moto.s3.responses import S3Response
from moto.server import main

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _get_bucket_versioning(self):
    # AWS: <VersioningConfiguration><Status>…</Status></VersioningConfiguration>;
    # moto 5.2 names the root GetBucketVersioningResponse.
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<VersioningConfiguration xmlns="{S3_NS}">{inner}</VersioningConfiguration>'
    )
    return 200, {"Content-Type": "application/xml"}, body


S3Response.get_bucket_versioning = _get_bucket_versioning


# --- IAM: let a test load AWS-managed policies ------------------------------
from moto.core.config import default_user_config
from moto.moto_api._internal.models import MotoAPIBackend

_moto_set_config = MotoAPIBackend.set_config


def _set_config_with_iam(self, config):
    # In AWS every account has the AWS-managed policies
    # (arn:aws:iam::aws:policy/...); moto creates them only when its config
    # says {"iam": {"load_aws_managed_policies": true}}, which `mock_aws`
    # accepts in-process but `POST /moto-api/config` ignores. Accepting it
    # here lets a test opt in before its server's IAM backend starts, so it
    # can attach one (loading them costs about half a second per account,
    # hence not on by default).
    _moto_set_config(self, config)
    if "iam" in config:
        default_user_config["iam"] = config["iam"]


MotoAPIBackend.set_config = _set_config_with_iam

# --- Authorization errors in the shape each query protocol expects ----------
from xml.sax.saxutils import escape

from moto.core import exceptions as _moto_exceptions

_rest_error_init = _moto_exceptions._RESTError.__init__


def _rest_error_init_both_shapes(self, error_type, message, *args, **kwargs):
    # With IAM enforcement on, moto answers a refused call with
    # <ErrorResponse><Errors><Error>…, the EC2 shape. AWS's query services
    # (IAM, STS, SNS, RDS, …) answer <ErrorResponse><Error>…, and the Rust
    # SDK then finds no error code at all. The body below carries the error
    # in both places, so EC2's parser (which looks under Errors) and the
    # query parser (which looks at Error) both read `AccessDenied`.
    _rest_error_init(self, error_type, message, *args, **kwargs)
    error = f"<Code>{escape(error_type)}</Code><Message>{escape(message)}</Message>"
    sender = "<Type>Sender</Type>" if self.include_type_sender else ""
    self.description = (
        '<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse>'
        f"<Error>{error}{sender}</Error><Errors><Error>{error}</Error></Errors>"
        "<RequestId>plumb-moto</RequestId></ErrorResponse>"
    )


_moto_exceptions._RESTError.__init__ = _rest_error_init_both_shapes

# --- Lambda: ListFunctionUrlConfigs ----------------------------------------
import json as _json
from urllib.parse import unquote as _unquote

from moto.awslambda import urls as _lambda_urls
from moto.awslambda.responses import LambdaResponse


def _list_function_url_configs(self):
    # moto stores a function's URL config (CreateFunctionUrlConfig) but has
    # no ListFunctionUrlConfigs, which is how a scanner finds public
    # function URLs. Answer it from the same store, as AWS does.
    function_name = _unquote(self.path.rstrip("/").split("/")[-2])
    function = self.backend.get_function(function_name, None)
    configs = [function.url_config.to_dict()] if function.url_config else []
    return 200, {}, _json.dumps({"FunctionUrlConfigs": configs})


LambdaResponse.list_function_url_configs = _list_function_url_configs
_lambda_urls.url_paths[
    r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/urls/?$"
] = LambdaResponse.dispatch

# --- organizations ---------------------------------------------------------
from moto.organizations.exceptions import OrganizationsClientError
from moto.organizations.models import organizations_backends
from moto.organizations.responses import OrganizationsResponse


class _OrganizationsAccessDenied(OrganizationsClientError):
    code = "AccessDeniedException"
    message = "You don't have permissions to access this resource."


_moto_list_accounts = OrganizationsResponse.list_accounts


def _list_accounts(self):
    # AWS: only the management account or a delegated administrator may list
    # an organization's accounts; any other member gets AccessDeniedException.
    # moto 5.2 answers a member with an empty list, as if the organization had
    # no account.
    account = self.current_account
    if self.organizations_backend.org is None and account in organizations_backends.master_accounts:
        master_id, partition = organizations_backends.master_accounts[account]
        master = organizations_backends[master_id][partition]
        if not any(admin.account.id == account for admin in master.admins):
            raise _OrganizationsAccessDenied()
    return _moto_list_accounts(self)


OrganizationsResponse.list_accounts = _list_accounts

# --- region: GetEbsDefaultKmsKeyId -----------------------------------------

from moto.core.responses import ActionResult  # noqa: E402
from moto.ec2.responses import EC2Response  # noqa: E402
from moto.utilities.utils import get_partition  # noqa: E402


def _get_ebs_default_kms_key_id(self):
    # moto 5.2 stores the key ModifyEbsDefaultKmsKeyId sets but has no
    # GetEbsDefaultKmsKeyId (it answers 500). Until a key is chosen AWS
    # answers with the ARN of the alias `alias/aws/ebs`. Reads moto's own
    # state; invents none.
    self.error_on_dryrun()
    backend = self.ec2_backend
    key = backend.default_kms_key_id or (
        f"arn:{get_partition(backend.region_name)}:kms:{backend.region_name}:"
        f"{backend.account_id}:alias/aws/ebs"
    )
    return ActionResult({"KmsKeyId": key})


EC2Response.get_ebs_default_kms_key_id = _get_ebs_default_kms_key_id


# --- cloudwatch: Smithy RPC v2 CBOR ----------------------------------------
#
# CloudWatch speaks Smithy RPC v2 CBOR to the AWS SDK for Rust
# (POST /service/GraniteServiceVersion20100801/operation/<Op>, CBOR bodies);
# moto 5.2 serves CloudWatch only as query or JSON (awsJson1_0) at `/` and
# answers the CBOR path with 404. This bridge re-sends such a request to moto
# as the equivalent JSON request and encodes moto's JSON answer back to CBOR
# against the operation's output shape (botocore's own CBOR codec), so moto's
# CloudWatch logic answers unchanged.

import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

import botocore.session  # noqa: E402
from botocore.parsers import RpcV2CBORParser  # noqa: E402
from botocore.serialize import CBORSerializer  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

CBOR_SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}
_CBOR_PATH = re.compile(r"/service/([^/]+)/operation/([^/]+)")
_service_models = {}


class _ShapeCbor(CBORSerializer):
    TIMESTAMP_FORMAT = "unixtimestamp"

    def _serialize_type_structure(self, serialized, value, shape, key):
        # moto may add members the model does not have; AWS would not send them.
        value = {k: v for k, v in value.items() if k in shape.members}
        super()._serialize_type_structure(serialized, value, shape, key)

    def _serialize_type_integer(self, serialized, value, shape, key):
        super()._serialize_type_integer(serialized, int(value), shape, key)


def _cbor_strings(mapping):
    # An error body: a map of strings, which needs no shape.
    ser = _ShapeCbor()
    out = bytearray(ser._get_initial_byte(ser.MAP_MAJOR_TYPE, len(mapping)))
    for k, v in mapping.items():
        ser._serialize_type_string(out, str(k), None, None)
        ser._serialize_type_string(out, str(v), None, None)
    return bytes(out)


def _json_default(value):
    return value.timestamp() if hasattr(value, "timestamp") else str(value)


def _cbor_bridge(app, environ, start_response):
    target, operation = _CBOR_PATH.fullmatch(environ["PATH_INFO"]).groups()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    parser = RpcV2CBORParser()
    params = (
        parser.parse_data_item(parser.get_peekable_stream_from_bytes(raw))
        if raw
        else {}
    )
    body = json.dumps(params, default=_json_default).encode()
    environ = dict(environ)
    environ.update(
        {
            "PATH_INFO": "/",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": f"{target}.{operation}",
            "wsgi.input": io.BytesIO(body),
        }
    )
    answer = {}

    def capture(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return lambda _data: None

    chunks = _ORIGINAL_CALL(app, environ, capture)
    try:
        text = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    status = answer["status"]
    decoded = json.loads(text) if text.strip() else {}
    if status.startswith("2"):
        name = CBOR_SERVICES[target]
        if name not in _service_models:
            _service_models[name] = botocore.session.get_session().get_service_model(name)
        shape = _service_models[name].operation_model(operation).output_shape
        out = bytearray()
        if shape is not None:
            _ShapeCbor()._serialize_data_item(out, decoded, shape)
        out = bytes(out)
    else:
        out = _cbor_strings({k: v for k, v in decoded.items() if isinstance(v, str)})
    headers = [
        (k, v)
        for k, v in answer["headers"]
        if k.lower() not in ("content-type", "content-length")
    ]
    headers += [
        ("Content-Type", "application/cbor"),
        ("Content-Length", str(len(out))),
        ("smithy-protocol", "rpc-v2-cbor"),
    ]
    start_response(status, headers)
    return [out]


_ORIGINAL_CALL = DomainDispatcherApplication.__call__


def _dispatch_with_cbor(self, environ, start_response):
    match = _CBOR_PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match and match.group(1) in CBOR_SERVICES:
        return _cbor_bridge(self, environ, start_response)
    # A service moto does not emulate (Access Analyzer in 5.2.5) made it
    # fail with a 500 that the SDK retries for a minute; answer as a server
    # that does not implement the operation, which is not retried. The
    # collector records the gap either way.
    try:
        app = self.get_application(environ)
    except Exception as error:  # noqa: BLE001 - any routing failure
        body = json.dumps(
            {"__type": "NotImplemented", "message": f"moto does not emulate this service ({error})"}
        ).encode()
        start_response(
            "501 Not Implemented",
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", "NotImplemented"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]
    return app(environ, start_response)


DomainDispatcherApplication.__call__ = _dispatch_with_cbor


# moto answers an action it does not implement (EC2's
# GetSnapshotBlockPublicAccessState, …) with a 500, which the SDK retries
# for a minute per call; AWS never does. Answer 501 NotImplemented in the
# request's protocol instead: not retried, and recorded by the collector as
# the gap it is.
from moto.core.responses import BaseResponse as _BaseResponse

_ORIGINAL_CALL_ACTION = _BaseResponse.call_action


def _call_action_or_501(self):
    try:
        return _ORIGINAL_CALL_ACTION(self)
    except NotImplementedError as error:
        message = escape(str(error))
        content_type = (self.headers or {}).get("Content-Type", "") or ""
        if "x-www-form-urlencoded" in content_type:
            body = (
                "<Response><Errors><Error><Code>NotImplemented</Code>"
                f"<Message>{message}</Message></Error></Errors>"
                "<RequestID>plumb-moto</RequestID></Response>"
            )
            headers = {"Content-Type": "text/xml"}
        else:
            body = json.dumps({"__type": "NotImplemented", "message": str(error)})
            headers = {
                "Content-Type": "application/x-amz-json-1.1",
                "x-amzn-ErrorType": "NotImplemented",
            }
        return 501, headers, body


_BaseResponse.call_action = _call_action_or_501


# === Test controls ==========================================================
#
# Not shims: two ways for a test to put moto in a state AWS can be in but
# that no AWS API can create. Both are off unless a test asks.

# --- PLUMB_MOTO_FAIL_ACTIONS: refuse named actions --------------------------
# A comma-separated list of action names (`ReleaseAddress,ModifyDBInstance`)
# that this server answers with 403 AccessDenied, in the request's protocol,
# without running them: how a test makes one call of several fail (a missing
# permission, an SCP) to see what the caller does about it.
import os  # noqa: E402

_FAIL_ACTIONS = {
    a.strip() for a in os.environ.get("PLUMB_MOTO_FAIL_ACTIONS", "").split(",") if a.strip()
}
_CALL_ACTION_OR_501 = _BaseResponse.call_action


def _call_action_or_injected_failure(self):
    action = self._get_action() if _FAIL_ACTIONS else None
    if action not in _FAIL_ACTIONS:
        return _CALL_ACTION_OR_501(self)
    message = f"{action} refused by PLUMB_MOTO_FAIL_ACTIONS (a test's injected failure)"
    content_type = (self.headers or {}).get("Content-Type", "") or ""
    if "x-www-form-urlencoded" in content_type:
        error = f"<Code>AccessDenied</Code><Message>{escape(message)}</Message>"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse>'
            f"<Error>{error}<Type>Sender</Type></Error><Errors><Error>{error}</Error></Errors>"
            "<RequestId>plumb-moto</RequestId></ErrorResponse>"
        )
        return 403, {"Content-Type": "text/xml"}, body
    body = json.dumps({"__type": "AccessDeniedException", "message": message})
    return 403, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "AccessDeniedException"}, body


_BaseResponse.call_action = _call_action_or_injected_failure


# --- POST /plumb-moto/iam/age: old access keys and users -------------------
# Body {"access_key_id": "AKIA…", "days": 100}: the key's creation date
# becomes that many days ago; {"user_name": "erin", "days": 100}: the user's
# (moto dates a console password with its user's creation). moto dates
# both when they are created, so without this no test could have
# credentials unused for 45 or 90 days.
from datetime import timedelta  # noqa: E402

from moto.core.utils import utcnow  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.utilities.utils import PARTITION_NAMES  # noqa: E402

_AGE_PATH = "/plumb-moto/iam/age"
_DISPATCH = DomainDispatcherApplication.__call__


def _iam_entity(request):
    key_id, user_name = request.get("access_key_id"), request.get("user_name")
    for _account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            backend = account[partition]
            if key_id and key_id in backend.access_keys:
                return backend.access_keys[key_id]
            if user_name and user_name in backend.users:
                return backend.users[user_name]
    return None


def _age_iam_entity(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    request = json.loads(environ["wsgi.input"].read(length) or b"{}")
    entity = _iam_entity(request)
    if entity is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [json.dumps({"message": f"no such IAM key or user: {request}"}).encode()]
    entity.create_date = utcnow() - timedelta(days=int(request.get("days", 0)))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]


def _dispatch_with_test_controls(self, environ, start_response):
    if environ.get("PATH_INFO") == _AGE_PATH and environ.get("REQUEST_METHOD") == "POST":
        return _age_iam_entity(environ, start_response)
    return _DISPATCH(self, environ, start_response)


DomainDispatcherApplication.__call__ = _dispatch_with_test_controls


if __name__ == "__main__":
    sys.exit(main())
