from . import test_pos_account_link
