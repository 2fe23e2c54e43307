# Any supported Terraform or OpenTofu version: the secret is kept in state, marked sensitive.
# The access key belongs to an IAM user with IAMReadOnlyAccess, attached directly or through a
# group; Segura reads the account from the key.
variable "production_secret_access_key" {
  description = "Secret access key of the production account's IAM user."
  type        = string
  sensitive   = true
}

resource "segura_aws_account" "production" {
  name              = "Production"
  access_key_id     = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key = var.production_secret_access_key
  tags              = ["prod", "finance"]

  # Optional: the account the key must belong to. The plan then checks that it is not
  # connected yet, and the apply refuses a key of another account before sending it.
  account_id = "111122223333"
}
