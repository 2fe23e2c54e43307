package emulator

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segura/terraform-provider-segura/internal/aws"
)

// AWSAccountsPath is the collection of AWS accounts.
const AWSAccountsPath = apiBase + "/aws/accounts"

// AWSReprocessRoute is the route, as Counts and faults name it, of Reprocess of an AWS
// account; ReprocessRoute is an Azure tenant's.
const AWSReprocessRoute = "POST " + AWSAccountsPath + "/{" + fieldAccountID + "}/reprocess"

// Field names of an AWS account.
const (
	fieldAccountID       = "account_id"
	fieldAccessKeyID     = "access_key_id"
	fieldSecretAccessKey = "secret_access_key"
)

// awsSecretLength is the length of every secret access key.
const awsSecretLength = 40

// awsAccounts is the AWS account kind: its key, the account ID, is read from the access key
// when the key is verified against Options.AWS (or derived from it in demo mode); its
// credential is the access key, whose ID is returned and whose secret is not.
var awsAccounts = newKind(kind{
	path: AWSAccountsPath, stateName: "aws_accounts", noun: "AWS account", short: "account", cloud: "AWS",
	key: fieldAccountID, keyFromCredential: true,
	fields: []field{
		{name: fieldAccountID, check: checkAccountID, computed: true},
		{name: fieldAccessKeyID, check: checkAccessKeyID, required: true},
		{name: fieldSecretAccessKey, check: checkSecretAccessKey, secret: true, required: true},
	},
	inUse: []string{fieldAccessKeyID}, credential: "access key",
	// An access key's secret belongs to its ID: one never changes without the other.
	together: []together{
		{when: fieldAccessKeyID, needs: []string{fieldSecretAccessKey}},
		{when: fieldSecretAccessKey, needs: []string{fieldAccessKeyID}},
	},
	verified: []string{fieldAccessKeyID, fieldSecretAccessKey},

	codeAlreadyConnected: codeAlreadyConnected, codeCredentialInUse: codeCredentialInUse,
	codeConnectionFailed: codeAWSConnectionFailed,
	verify:               verifyAWSAccount,
	synchronize:          synchronizeAWSAccount,
})

func checkAccountID(v string) []detail {
	if !awsAccountIDRE.MatchString(v) {
		return []detail{{Field: fieldAccountID, Reason: "invalid_format", Message: "must be 12 digits"}}
	}
	return nil
}

func checkAccessKeyID(v string) []detail {
	if !awsKeyIDRE.MatchString(v) {
		return []detail{{Field: fieldAccessKeyID, Reason: "invalid_format", Message: "must be AKIA and 16 upper-case letters or digits"}}
	}
	return nil
}

func checkSecretAccessKey(v string) []detail {
	switch n := utf8.RuneCountInString(v); {
	case n < awsSecretLength:
		return []detail{{Field: fieldSecretAccessKey, Reason: "too_short", Message: "must be 40 characters"}}
	case n > awsSecretLength:
		return []detail{{Field: fieldSecretAccessKey, Reason: "too_long", Message: "must be 40 characters"}}
	}
	return nil
}

// verifyAWSAccount checks next's access key as Segura does, with STS and IAM: it returns the
// key's account, or the refusal. A create carries the secret, and so does every PATCH that
// changes the key (together).
func verifyAWSAccount(s *Server, next *record, secrets map[string]string, elapsed time.Duration) (string, []detail) {
	d, keyID := s.opts.AWS, next.Fields[fieldAccessKeyID]
	account, reason, missing := d.verify(elapsed, keyID, secrets[fieldSecretAccessKey])
	switch reason {
	case aws.ReasonInvalidAccessKey:
		if d.caller(keyID, elapsed) != nil {
			return "", []detail{{Field: fieldSecretAccessKey, Reason: reason,
				Message: "SignatureDoesNotMatch: this is not the secret of access key " + keyID}}
		}
		return "", []detail{{Field: fieldAccessKeyID, Reason: reason,
			Message: "InvalidClientTokenId: STS does not accept access key " + keyID +
				": it is wrong, inactive or deleted, or too new to have propagated"}}
	case aws.ReasonMissingPolicy:
		return account, []detail{{Field: fieldAccessKeyID, Reason: reason, Missing: missing,
			Message: "the IAM user of access key " + keyID + " lacks " + strings.Join(missing, ", ") +
				", attached to the user or to one of its groups"}}
	}
	return account, nil
}

// synchronizeAWSAccount is a run of r against the AWS directory, with the access key r holds.
func synchronizeAWSAccount(s *Server, r *record, elapsed time.Duration) (string, string) {
	return s.opts.AWS.synchronize(r.Fields[fieldAccessKeyID], elapsed)
}

// synchronize is a synchronization run, ending elapsed after the start, of a connection that
// holds the access key keyID, whose secret was verified when it was set: the run fails with
// invalid_credentials once STS refuses the key (deleted, inactive or expired in the fixture),
// with missing_permissions when its user lacks RequiredPolicy, the contract's reason for a
// permission that a connection needs; it succeeds otherwise, and always in demo mode.
func (d *AWSDirectory) synchronize(keyID string, elapsed time.Duration) (reason, message string) {
	if d == nil {
		return "", ""
	}
	a, u, k := d.accessKey(keyID)
	if a == nil || !k.usableAt(elapsed) {
		return syncInvalidCredentials, "InvalidClientTokenId: access key " + keyID + " was deleted or deactivated, or has expired; " +
			"create a new access key for its IAM user and set it as this connection's access_key_id and secret_access_key"
	}
	if u != nil && !slices.Contains(a.effectivePolicies(u), aws.RequiredPolicyARN) {
		user := (&awsCaller{account: a, user: u, key: k}).arn()
		return syncMissingPermissions, "the IAM user " + user + " lacks " + aws.RequiredPolicy +
			": attach it to the user or to one of its groups"
	}
	return "", ""
}

// accessKey finds a key of the fixture by its ID, whether STS accepts it or not: its account,
// its user (nil for a root key) and the key; a nil account when no key has that ID.
func (d *AWSDirectory) accessKey(keyID string) (*AWSAccount, *AWSUser, AWSAccessKey) {
	for ai := range d.Accounts {
		a := &d.Accounts[ai]
		for _, k := range a.RootAccessKeys {
			if k.AccessKeyID == keyID {
				return a, nil, k
			}
		}
		for ui := range a.Users {
			for _, k := range a.Users[ui].AccessKeys {
				if k.AccessKeyID == keyID {
					return a, &a.Users[ui], k
				}
			}
		}
	}
	return nil, nil, AWSAccessKey{}
}
