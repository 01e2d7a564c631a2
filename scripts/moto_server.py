"""Runs moto's server for Plumb's tests and demo.

moto answers a few operations with XML that botocore accepts but that
differs from what AWS sends, and the AWS SDK for Rust (which checks the
root element) rejects it. Each shim below makes moto answer as AWS does;
nothing else of moto is changed. Usage is that of `moto_server`.
"""

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


if __name__ == "__main__":
    sys.exit(main())
