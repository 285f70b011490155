package parsers

import (
	"github.com/peripety/peripety/event"
)

// nvme-cli's lines (nvme-cli: fabrics.c, 2.x) as nvmf-autoconnect.service
// and nvmf-connect@.service log them: everything on stderr, priority 6.
// A connection that fails names only the error (libnvme's words), with no
// controller yet.
var nvmecliRules = []rule{{
	name: "nvme_connect_failed",
	typ:  "NVMF_CONNECT_FAILED",
	re:   pat(`^failed to add controller, error (?P<error>.+)$`),
	sev:  sevOf(event.Error),
	msg:  "NVMe over Fabrics: connecting a controller failed: {error}",
}, {
	name: "nvme_discovery_failed",
	typ:  "NVMF_DISCOVERY_FAILED",
	re:   pat(`^failed to get discovery log: (?P<error>.+)$`),
	sev:  sevOf(event.Error),
	msg:  "NVMe over Fabrics: reading the discovery log failed: {error}",
}}
