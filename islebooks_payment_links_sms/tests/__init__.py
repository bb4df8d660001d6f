from . import test_sms_send
