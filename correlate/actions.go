package correlate

// Actions are what a storage daemon tells the kernel to do that the kernel
// then prints, by the name the daemon's event gives it (the extension key
// "kernel_action"), with the type of the kernel's event of it: multipathd's
// checker fails a path (dm message fail_path, logged "checker failed path
// 8:32 in map mpatha") and dm-multipath prints `Failing path 8:32.`;
// it reinstates one (reinstate_path, logged "8:32: reinstated" once the
// kernel has done it) and dm-multipath prints `Reinstating path 8:32.`.
// The daemon decided: its event is the cause of the kernel's, whichever
// the log shows first, and names the device by the name the kernel's line
// gives it (the path's major:minor).
//
// A daemon's event that follows the kernel's instead (multipathd's
// "8:32: mark as failed", after dm-multipath failed the path on an I/O
// error) names no action. Actions whose events name the device otherwise
// than the kernel's line (dmeventd's lvextend of a pool, by its LV name,
// against the kernel's pool by major:minor) are not listed: the daemon
// could not tell which kernel event its action answers.
var Actions = map[string]string{
	"fail_path":      "DM_MPATH_PATH_FAILED",
	"reinstate_path": "DM_MPATH_PATH_REINSTATED",
}

// actedTypes are the kernel event types of Actions.
var actedTypes = func() map[string]bool {
	m := make(map[string]bool, len(Actions))
	for _, typ := range Actions {
		m[typ] = true
	}
	return m
}()

// Acted reports whether a kernel event of type typ may be a storage
// daemon's action (Actions).
func Acted(typ string) bool { return actedTypes[typ] }

// Answers reports whether a daemon's event naming action (its "kernel_action")
// on device kdev is the cause of a kernel event of type typ on device
// kernelKdev.
func Answers(action, kdev, typ, kernelKdev string) bool {
	return action != "" && Actions[action] == typ && kdev == kernelKdev
}
