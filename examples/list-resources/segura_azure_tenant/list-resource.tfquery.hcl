# Finds the active connections tagged "production". Run `terraform query` to see them, or
# `terraform query -generate-config-out=adopted.tf` to write an import block and a
# segura_azure_tenant block for each; then `terraform plan` shows only imports.
list "segura_azure_tenant" "production" {
  provider         = segura
  include_resource = true

  config {
    status = "active"
    tags   = ["production"]
  }
}
