// Command segura-emulator runs the Cloud Entitlements API emulator standalone: the API and its
// token endpoint over HTTP, and an Entra ID compatible token service over HTTPS.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address of the API (HTTP)")
	entraListen := flag.String("entra-listen", "127.0.0.1:8443", "address of the Entra ID token service (HTTPS); empty turns it off")
	certFile := flag.String("entra-cert-file", "", "write the Entra ID service's self-signed certificate (PEM) here, for SSL_CERT_FILE")
	stateFile := flag.String("state-file", "", "keep connections in this file across restarts")
	directory := flag.String("directory", "", "Azure directory fixture (JSON); without it any well-formed credentials connect (demo mode)")
	awsDirectory := flag.String("aws-directory", "", "AWS directory fixture (JSON) that STS, IAM and the AWS accounts' verification follow; "+
		"without it any access key of the form AKIA and 16 upper-case letters or digits connects an account derived from it (demo mode)")
	clientID := flag.String("client-id", emulator.DemoClientID, "client ID the token endpoint accepts")
	clientSecret := flag.String("client-secret", emulator.DemoClientSecret, "client secret the token endpoint accepts")
	tokenLifetime := flag.Duration("token-lifetime", time.Hour, "lifetime of access tokens")
	syncDuration := flag.Duration("sync-duration", 3*time.Second, "how long a synchronization run takes; the next run starts 15 minutes after one ends")
	flag.Parse()

	if err := run(*listen, *entraListen, *certFile, emulator.Options{
		ClientID: *clientID, ClientSecret: *clientSecret, TokenLifetime: *tokenLifetime,
		SyncDuration: *syncDuration, StateFile: *stateFile,
	}, *directory, *awsDirectory); err != nil {
		log.Fatalf("segura-emulator: %v", err)
	}
}

func run(listen, entraListen, certFile string, opts emulator.Options, directory, awsDirectory string) error {
	if directory != "" {
		d, err := emulator.LoadDirectory(directory)
		if err != nil {
			return err
		}
		opts.Directory = d
	}
	if awsDirectory != "" {
		d, err := emulator.LoadAWSDirectory(awsDirectory)
		if err != nil {
			return err
		}
		opts.AWS = d
	}
	srv, err := emulator.New(opts)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", listen)
	if err != nil {
		return err
	}
	api := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	servers := []*http.Server{api}
	errs := make(chan error, 2)
	go func() { errs <- api.Serve(ln) }()

	fmt.Printf("segura-emulator: API        http://%s/api/cloud-entitlements/v1\n", ln.Addr())
	fmt.Printf("segura-emulator: token URL  http://%s/oauth2/token (client %s)\n", ln.Addr(), opts.ClientID)
	fmt.Printf("segura-emulator: controls   http://%s/_emulator/\n", ln.Addr())
	fmt.Printf("segura-emulator: AWS        http://%s%s (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_IAM)\n", ln.Addr(), emulator.AWSPath)

	if entraListen != "" {
		entra, err := serveEntra(&lc, entraListen, certFile, srv.EntraHandler(), errs)
		if err != nil {
			return err
		}
		servers = append(servers, entra)
	}
	fmt.Printf("segura-emulator: %s\n", mode(directory, awsDirectory))
	return serveUntilSignal(errs, servers)
}

// mode says what credentials the emulator accepts: each cloud's fixture, or demo mode.
func mode(directory, awsDirectory string) string {
	switch {
	case directory != "" && awsDirectory != "":
		return "Azure directory " + directory + "; AWS directory " + awsDirectory
	case directory != "":
		return "Azure directory " + directory + "; demo mode for AWS: any well-formed access key connects"
	case awsDirectory != "":
		return "AWS directory " + awsDirectory + "; demo mode for Azure: any well-formed Azure credentials connect"
	}
	return "demo mode: any well-formed Azure or AWS credentials connect"
}

// serveEntra serves the Entra ID token service over TLS, because MSAL (and so azidentity)
// refuses an authority over plain HTTP. Its certificate is self-signed and new each start;
// certFile, when set, receives it so that clients can trust it through SSL_CERT_FILE.
func serveEntra(lc *net.ListenConfig, listen, certFile string, h http.Handler, errs chan<- error) (*http.Server, error) {
	cert, pemBytes, err := emulator.SelfSignedTLS()
	if err != nil {
		return nil, err
	}
	if certFile != "" {
		if err := os.WriteFile(certFile, pemBytes, 0o644); err != nil {
			return nil, err
		}
	}
	raw, err := lc.Listen(context.Background(), "tcp", listen)
	if err != nil {
		return nil, err
	}
	eln := tls.NewListener(raw, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	entra := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { errs <- entra.Serve(eln) }()
	fmt.Printf("segura-emulator: Entra ID   https://%s/ (AZURE_AUTHORITY_HOST)\n", eln.Addr())
	return entra, nil
}

// serveUntilSignal returns the first server failure, or, on Ctrl-C or SIGTERM, shuts the
// servers down gracefully: a request in flight finishes, and saves its change to the state
// file, before the process exits.
func serveUntilSignal(errs <-chan error, servers []*http.Server) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}
