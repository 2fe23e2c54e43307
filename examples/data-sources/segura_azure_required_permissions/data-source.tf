# Static: no credentials and no API call needed.
data "segura_azure_required_permissions" "read_write" {
  integration_mode = "read_write"
}

# Feed it to azuread instead of copying GUIDs.
resource "azuread_application" "segura" {
  display_name = "Segura Cloud Entitlements"

  required_resource_access {
    resource_app_id = data.segura_azure_required_permissions.read_write.graph_app_id

    dynamic "resource_access" {
      for_each = data.segura_azure_required_permissions.read_write.graph_permission_ids
      content {
        id   = resource_access.value
        type = "Role"
      }
    }
  }
}
