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

if __name__ == "__main__":
    sys.exit(main())
