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
