package sqlite

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// othersHold reports whether a process other than this one holds a lock on f's file, as
// the kernel lists them in /proc/locks (what lslocks reads): every process using the
// archive holds one (holdFile), so a server beside an import is seen there.
func othersHold(f *os.File) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true, nil
	}
	dev := uint64(sys.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^uint64(0xfff)
	minor := dev&0xff | (dev>>12)&^uint64(0xff)
	file := fmt.Sprintf("%02x:%02x:%d", major, minor, sys.Ino)
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return true, nil // cannot tell: assume company
	}
	defer locks.Close()
	self := strconv.Itoa(os.Getpid())
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  READ 1141 fe:00:9978121 0 EOF"; a waiter's line has "->".
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] == "->" || fields[5] != file {
			continue
		}
		if fields[4] != self {
			return true, nil
		}
	}
	return false, sc.Err()
}
