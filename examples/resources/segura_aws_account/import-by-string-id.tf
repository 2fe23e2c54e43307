import {
  to = segura_aws_account.production
  id = "111122223333"
}
