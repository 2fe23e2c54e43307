import {
  to = segura_aws_account.production
  identity = {
    account_id = "111122223333"
  }
}
