# Terraform or OpenTofu 1.11 and later: a write-only secret, never stored in state or plan.
variable "platform_secret_access_key" {
  description = "Secret access key of the platform account's IAM user."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "segura_aws_account" "platform" {
  name          = "Platform engineering"
  access_key_id = "AKIAI44QH8DHBEXAMPLE"

  secret_access_key_wo         = var.platform_secret_access_key
  secret_access_key_wo_version = 1 # change it whenever the key pair changes, to send the new one
}
