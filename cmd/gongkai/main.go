// Command gongkai is the one binary of gongkai (公开), the workflow engine
// for government information-disclosure offices.
//
//	gongkai serve      all in one: embedded Temporal, worker, API and web UI
//	gongkai api        the HTTP API only, against external Temporal and MySQL
//	gongkai worker     the Temporal worker only
//	gongkai migrate    apply database migrations
//	gongkai temporal   the embedded Temporal server alone (development, tests)
//	gongkai agency add / user add   set up a real installation
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `gongkai — 政府信息公开工作流引擎 / government information-disclosure workflow engine

Usage:
  gongkai serve    [--data DIR] [--addr HOST:PORT] [--temporal-port N] [--ui-port N] [--demo]
  gongkai api      [--addr HOST:PORT]          (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GONGKAI_DB_DSN)
  gongkai worker                               (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GONGKAI_DB_DSN)
  gongkai migrate  [--data DIR]
  gongkai temporal [--data DIR] [--temporal-port N] [--ui-port N]
  gongkai calendar deadline START WORKDAYS [--region 宁夏] [--data DIR]
  gongkai calendar import FILE.json|FILE.csv [--data DIR]
  gongkai report annual --agency CODE --year YYYY [--format json|html|xlsx] [-o FILE] [--data DIR]
  gongkai agency add [--data DIR] --code CODE --name NAME [--region 宁夏] [--parent CODE]
  gongkai user add   [--data DIR] --agency CODE --username U --role R[,R...] [--name 显示名]
                     (password from GONGKAI_PASSWORD or the first line of standard input)
  gongkai bench    chain [--items N] [--concurrency C] | inbox [--items N] [--open M] | report [--applications N]
  gongkai version

Run "gongkai COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gongkai:", err)
		}
		stop()
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout)
	case "api":
		return runAPI(ctx, rest, stdout)
	case "worker":
		return runWorker(ctx, rest, stdout)
	case "migrate":
		return runMigrate(ctx, rest, stdout)
	case "temporal":
		return runTemporal(ctx, rest, stdout)
	case "calendar":
		return runCalendar(ctx, rest, stdout)
	case "report":
		return runReport(ctx, rest, stdout)
	case "agency":
		return runAgency(ctx, rest, stdout)
	case "user":
		return runUser(ctx, rest, stdin, stdout)
	case "bench":
		return runBench(ctx, rest, stdout)
	case "version":
		fmt.Fprintln(stdout, "gongkai", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"
