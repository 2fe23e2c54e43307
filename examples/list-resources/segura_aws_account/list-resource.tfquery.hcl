# Finds the active connections tagged "production". Run `terraform query` to see them, or
# `terraform query -generate-config-out=adopted.tf` to write an import block and a
# segura_aws_account block for each; then `terraform plan` shows only imports.
list "segura_aws_account" "production" {
  provider         = segura
  include_resource = true

  config {
    status = "active"
    tags   = ["production"]
  }
}
