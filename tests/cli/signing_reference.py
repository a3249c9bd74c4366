"""What the signing-command tests share with botocore, their reference signer: the AWS
documentation's example key pair, and one signing time that both upgate (`--date AMZ_DATE`)
and botocore's pure-Python signer (`FrozenDateTime` patched over botocore.auth's clock) use.

Importing this selects botocore's pure-Python signer (BOTO_DISABLE_CRT), whose clock can be
frozen; import it before botocore.
"""
import datetime
import os

os.environ["BOTO_DISABLE_CRT"] = "true"

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNING_TIME = datetime.datetime(2013, 5, 24, 0, 0, 0)
AMZ_DATE = "20130524T000000Z"


class FrozenDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return SIGNING_TIME
