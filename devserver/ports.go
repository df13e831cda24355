package devserver

import (
	"fmt"
	"net"
	"strconv"
)

const localhost = "127.0.0.1"

// servicePorts are the gRPC ports of the four in-process services.
type servicePorts struct {
	frontend, history, matching, worker int
}

// pickPorts derives the service ports from base the way the CLI's dev server
// documents it (frontend on base, the others on base+1..+3), or, when base
// is 0, asks the kernel for four free loopback ports. Either way each port is
// bound once here, so a port in use is reported clearly instead of as a
// failure deep inside the server's start. The ports are released again just
// before the server binds them: a tiny race another process could win, which
// would then surface as a start error.
func pickPorts(base int) (servicePorts, error) {
	want := []int{base, base + 1, base + 2, base + 3}
	if base == 0 {
		want = []int{0, 0, 0, 0}
	}
	got := make([]int, len(want))
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for i, p := range want {
		// Holding every listener until all are picked keeps the four
		// kernel-chosen ports distinct.
		ln, err := net.Listen("tcp", net.JoinHostPort(localhost, strconv.Itoa(p)))
		if err != nil {
			return servicePorts{}, fmt.Errorf("devserver: port %d: %w", p, err)
		}
		lns = append(lns, ln)
		got[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return servicePorts{frontend: got[0], history: got[1], matching: got[2], worker: got[3]}, nil
}

// checkPortFree reports whether port can be bound on loopback right now.
func checkPortFree(port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(localhost, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return ln.Close()
}

func hostPort(port int) string {
	return net.JoinHostPort(localhost, strconv.Itoa(port))
}
