"""The model is pure: importing it pulls in neither aws_cdk nor boto3."""

import subprocess
import sys


def test_importing_the_model_does_not_import_aws_cdk_or_boto3():
    code = (
        "import sys, seawall.model, seawall.model.naming\n"
        "bad = sorted(m for m in ('aws_cdk', 'constructs', 'boto3', 'botocore', 'jsii') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
