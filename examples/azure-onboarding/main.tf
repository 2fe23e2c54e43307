# Onboards the Azure tenant of the current azuread/azurerm credentials to Segura Cloud
# Entitlements in one apply: an app registration with the Microsoft Graph application
# permissions of the integration mode, admin consent for each, a client secret, the Azure
# roles on the scope to analyse (Role Based Access Control Administrator limited by a
# condition to assigning Reader), and the connection itself. No time_sleep is needed: the
# segura provider waits out Entra ID propagation (propagation_timeout).
terraform {
  required_version = ">= 1.11" # secret_value_wo; use secret_value on older versions
  required_providers {
    azuread = {
      source  = "hashicorp/azuread"
      version = ">= 3.0, < 4.0" # checked against 3.9
    }
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.0, < 6.0" # checked against 4.x and 5.2
    }
    segura = {
      source  = "segura/segura"
      version = "~> 0.1"
    }
  }
}

provider "azuread" {}

provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
}

# SEGURA_URL, SEGURA_CLIENT_ID and SEGURA_CLIENT_SECRET
provider "segura" {}

variable "subscription_id" {
  description = "Subscription whose resources Cloud Entitlements analyses; the Azure roles are assigned on it."
  type        = string
}

variable "integration_mode" {
  description = "read (\"Read\") or read_write (\"Read and Write\")."
  type        = string
  default     = "read"
}

variable "connection_name" {
  description = "Name of the connection in Cloud Entitlements."
  type        = string
  default     = "Production"
}

variable "secret_version" {
  description = "Change it to rotate the client secret: a new one is created and sent to Segura in place."
  type        = number
  default     = 1
}

data "azuread_client_config" "current" {}

# The permissions and roles the mode needs, from the provider: no GUID is copied by hand.
data "segura_azure_required_permissions" "this" {
  integration_mode = var.integration_mode
}

resource "azuread_service_principal" "msgraph" {
  client_id    = data.segura_azure_required_permissions.this.graph_app_id
  use_existing = true
}

resource "azuread_application" "segura" {
  display_name = "Segura Cloud Entitlements"
  owners       = [data.azuread_client_config.current.object_id]

  required_resource_access {
    resource_app_id = data.segura_azure_required_permissions.this.graph_app_id

    dynamic "resource_access" {
      for_each = data.segura_azure_required_permissions.this.graph_permission_ids
      content {
        id   = resource_access.value
        type = "Role"
      }
    }
  }
}

resource "azuread_service_principal" "segura" {
  client_id = azuread_application.segura.client_id
  owners    = [data.azuread_client_config.current.object_id]
}

# Admin consent, one Graph application permission at a time.
resource "azuread_app_role_assignment" "graph" {
  for_each = data.segura_azure_required_permissions.this.graph_permission_ids

  app_role_id         = each.value
  principal_object_id = azuread_service_principal.segura.object_id
  resource_object_id  = azuread_service_principal.msgraph.object_id
}

resource "azuread_application_password" "segura" {
  application_id = azuread_application.segura.id
  display_name   = "Segura Cloud Entitlements"
  rotate_when_changed = {
    version = var.secret_version
  }
}

locals {
  azure_role_ids = { for role in data.segura_azure_required_permissions.this.azure_roles : role.name => role.id }

  # Role Based Access Control Administrator can create and delete role assignments. Without a
  # condition it could assign any role, Owner included, to any principal, itself included.
  # This condition lets it create or delete assignments of these roles only: Reader. Add the
  # role definition ID of any other role it should manage.
  assignable_role_ids = [local.azure_role_ids["Reader"]]
  assignable_roles    = join(", ", local.assignable_role_ids)
  rbac_condition      = <<-CONDITION
    (
      (
        !(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})
      )
      OR
      (
        @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${local.assignable_roles}}
      )
    )
    AND
    (
      (
        !(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})
      )
      OR
      (
        @Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${local.assignable_roles}}
      )
    )
  CONDITION
}

resource "azurerm_role_assignment" "segura" {
  for_each = local.azure_role_ids

  scope                = "/subscriptions/${var.subscription_id}"
  role_definition_name = each.key
  principal_id         = azuread_service_principal.segura.object_id
  principal_type       = "ServicePrincipal"

  # Only the Role Based Access Control Administrator assignment carries the condition.
  condition         = each.key == "Role Based Access Control Administrator" ? local.rbac_condition : null
  condition_version = each.key == "Role Based Access Control Administrator" ? "2.0" : null
}

resource "segura_azure_tenant" "this" {
  name             = var.connection_name
  tenant_id        = data.azuread_client_config.current.tenant_id
  application_id   = azuread_application.segura.client_id
  integration_mode = var.integration_mode

  # Write-only: Segura gets the secret, the segura_azure_tenant state never holds it.
  secret_value_wo         = azuread_application_password.segura.value
  secret_value_wo_version = var.secret_version

  # Consent and roles first; whatever Entra ID has not propagated yet is waited out.
  depends_on = [azuread_app_role_assignment.graph, azurerm_role_assignment.segura]

  timeouts {
    create = "20m"
  }
}

output "application_id" {
  value = azuread_application.segura.client_id
}

output "synchronization" {
  value = segura_azure_tenant.this.synchronization
}
