locals {
  production_tenant_id = "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"
}

# Reprocess the connection now: terraform apply -invoke=action.segura_azure_tenant_reprocess.production
# An action that a resource triggers cannot refer to that resource, so it names the tenant by
# the same local value.
action "segura_azure_tenant_reprocess" "production" {
  config {
    tenant_id = local.production_tenant_id
    timeout   = "20m"
  }
}

# Reprocess after every update of the connection (a rotated secret, a new mode): the apply
# then shows whether the new settings synchronize.
resource "segura_azure_tenant" "production" {
  name                    = "Production"
  tenant_id               = local.production_tenant_id
  application_id          = "0b7c9e2d-8a41-4f63-b5d0-7e3f1c2a9b88"
  secret_value_wo         = var.client_secret
  secret_value_wo_version = 2
  integration_mode        = "read"

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.segura_azure_tenant_reprocess.production]
    }
  }
}

variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
