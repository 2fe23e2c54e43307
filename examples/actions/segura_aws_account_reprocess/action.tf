locals {
  production_account_id = "111122223333"
}

# Reprocess the connection now: terraform apply -invoke=action.segura_aws_account_reprocess.production
# An action that a resource triggers cannot refer to that resource, so it names the account by
# the same local value.
action "segura_aws_account_reprocess" "production" {
  config {
    account_id = local.production_account_id
    timeout    = "20m"
  }
}

# Reprocess after every update of the connection (a rotated key): the apply then shows whether
# the new key synchronizes.
resource "segura_aws_account" "production" {
  name                         = "Production"
  account_id                   = local.production_account_id
  access_key_id                = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key_wo         = var.secret_access_key
  secret_access_key_wo_version = 2

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.segura_aws_account_reprocess.production]
    }
  }
}

variable "secret_access_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
