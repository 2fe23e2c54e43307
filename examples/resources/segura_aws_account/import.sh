# Import a connection by the 12-digit ID of its AWS account. The secret access key cannot be
# read back: keep it in configuration, and the next apply sends it in place.
terraform import segura_aws_account.production 111122223333
