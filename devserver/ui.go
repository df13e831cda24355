package devserver

import (
	"context"
	"fmt"
	"net"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// uiServer is the Temporal Web UI (github.com/temporalio/ui-server/v2),
// whose built assets are embedded in that Go module, so it needs no files
// and no network beyond loopback.
type uiServer struct {
	addr string
	srv  *uiserver.Server
	done chan struct{}
}

// checkUIPort fails early if the UI's port is taken. This matters more than
// for the gRPC ports: ui-server's Start calls its logger's Fatal, which
// exits the process, when it cannot bind.
func checkUIPort(port int) error {
	if err := checkPortFree(port); err != nil {
		return fmt.Errorf("devserver: UI port %d: %w", port, err)
	}
	return nil
}

// startUI serves the UI on 127.0.0.1:port for the frontend at frontend and
// returns once it accepts connections.
func startUI(ctx context.Context, port int, frontend, namespace string) (*uiServer, error) {
	u := &uiServer{
		addr: hostPort(port),
		done: make(chan struct{}),
		srv: uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
			Host:                localhost,
			Port:                port,
			TemporalGRPCAddress: frontend,
			EnableUI:            true,
			DefaultNamespace:    namespace,
			// Offline networks: no news feed and no release checks (the
			// latter is off unless NotifyOnNewVersion is set).
			DisableNewsFetch:   true,
			NotifyOnNewVersion: false,
			// Plain HTTP on loopback: the CSRF cookie must not demand HTTPS.
			CORS:     uiconfig.CORS{CookieInsecure: true},
			HideLogs: true,
		})),
	}
	// Start blocks until Stop.
	go func() {
		defer close(u.done)
		_ = u.srv.Start()
	}()

	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", u.addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return u, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			_ = u.stop()
			return nil, fmt.Errorf("devserver: Web UI did not start on %s: %w", u.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (u *uiServer) stop() error {
	u.srv.Stop()
	select {
	case <-u.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("devserver: Web UI did not stop")
	}
}
