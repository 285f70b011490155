package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var ataCases = []lineCase{{
	name: "NCQ read with UNC is one media error",
	records: []string{
		"<3>ata3.00: exception Emask 0x0 SAct 0x80000 SErr 0x0 action 0x0",
		"<3>ata3.00: irq_stat 0x40000008",
		"<3>ata3.00: failed command: READ FPDMA QUEUED",
		"<3>ata3.00: cmd 60/08:98:00:1c:42/00:00:1d:00:00/40 tag 19 ncq dma 4096 in\n         res 41/40:00:00:1c:42/00:00:1d:00:00/40 Emask 0x409 (media error) <F>",
		"<3>ata3.00: status: { DRDY ERR }",
		"<3>ata3.00: error: { UNC }",
	},
	want: []want{{Type: "ATA_MEDIA_ERROR", Kdev: "ata3.00", Sev: event.Error,
		Raw: "ata3.00: exception Emask 0x0 SAct 0x80000 SErr 0x0 action 0x0",
		Msg: "Uncorrectable media error on ATA device ata3.00 (READ FPDMA QUEUED at LBA 490871808, 8 blocks): error { UNC }",
		Ext: map[string]string{"emask": "0x0", "irq_stat": "0x40000008", "ata_tag": "19", "res_error": "media error",
			"ata_status": "DRDY ERR", "ata_error": "UNC", "lba": "490871808", "blocks": "8"}}},
}, {
	// The lab's sata-media (parsers/testdata/real/lab/…/hw.kmsg): QEMU's
	// blkdebug fails the read of sector 40000; libata's first report is
	// an NCQ read, its retry after NCQ is turned off a READ DMA (28-bit).
	name: "taskfile LBA, NCQ and 28-bit",
	records: []string{
		"<3>ata3.00: exception Emask 0x1 SAct 0x40000000 SErr 0x0 action 0x0",
		"<3>ata3.00: irq_stat 0x40000000",
		"<3>ata3.00: failed command: READ FPDMA QUEUED",
		"<3>ata3.00: cmd 60/01:f0:40:9c:00/00:00:00:00:00/40 tag 30 ncq dma 512 in\n         res 50/00:00:00:00:00/00:00:00:00:00/a0 Emask 0x1 (device error)",
		"<3>ata3.00: status: { DRDY }",
		"<6>ata3: EH complete",
		"<3>ata3.00: exception Emask 0x1 SAct 0x0 SErr 0x0 action 0x0",
		"<3>ata3.00: failed command: READ DMA",
		"<3>ata3.00: cmd c8/00:01:40:9c:00/00:00:00:00:00/e0 tag 9 dma 512 in\n         res 41/04:01:40:9c:00/00:00:00:00:00/e0 Emask 0x1 (device error)",
		"<3>ata3.00: status: { DRDY ERR }",
		"<3>ata3.00: error: { ABRT }",
	},
	want: []want{
		{Type: "ATA_EXCEPTION", Kdev: "ata3.00", Sev: event.Error, Raw: "ata3.00: exception Emask 0x1 SAct 0x40000000 SErr 0x0 action 0x0",
			Msg: "ATA exception on ata3.00 (READ FPDMA QUEUED at LBA 40000, 1 blocks): device error", Ext: map[string]string{"lba": "40000", "blocks": "1"}},
		{Type: "ATA_EH_COMPLETE", Kdev: "ata3", Sev: event.Info, Raw: "ata3: EH complete"},
		{Type: "ATA_EXCEPTION", Kdev: "ata3.00", Sev: event.Error, Raw: "ata3.00: exception Emask 0x1 SAct 0x0 SErr 0x0 action 0x0",
			Msg: "ATA exception on ata3.00 (READ DMA at LBA 40000, 1 blocks): error { ABRT }", Ext: map[string]string{"lba": "40000", "blocks": "1"}},
	},
}, {
	name: "link exception with SError, frozen, then reset and EH complete",
	records: []string{
		"<3>ata1: exception Emask 0x10 SAct 0x0 SErr 0x4050000 action 0xe frozen",
		"<3>ata1: irq_stat 0x00400040, connection status changed",
		"<3>ata1: SError: { PHYRdyChg CommWake DevExch }",
		"<6>ata1: hard resetting link",
		"<3>ata1: COMRESET failed (errno=-16)",
		"<6>ata1: SATA link down (SStatus 0 SControl 300)",
		"<3>ata1.00: disabled",
		"<6>ata1: EH complete",
	},
	want: []want{
		{Type: "ATA_EXCEPTION", Kdev: "ata1", Sev: event.Error, Raw: "ata1: exception Emask 0x10 SAct 0x0 SErr 0x4050000 action 0xe frozen",
			Msg: "ATA exception on ata1", Ext: map[string]string{"serror": "PHYRdyChg CommWake DevExch", "frozen": " frozen"}},
		{Type: "ATA_LINK_RESET", Kdev: "ata1", Sev: event.Info, Raw: "ata1: hard resetting link", Msg: "ATA ata1: hard resetting link"},
		{Type: "ATA_LINK_RESET", Kdev: "ata1", Sev: event.Error, Raw: "ata1: COMRESET failed (errno=-16)"},
		{Type: "ATA_LINK_DOWN", Kdev: "ata1", Sev: event.Info, Raw: "ata1: SATA link down (SStatus 0 SControl 300)"},
		{Type: "ATA_DEVICE_DISABLED", Kdev: "ata1.00", Sev: event.Error, Raw: "ata1.00: disabled"},
		{Type: "ATA_EH_COMPLETE", Kdev: "ata1", Sev: event.Info, Raw: "ata1: EH complete"},
	},
}, {
	name: "a res line printed on its own folds too",
	records: []string{
		"<3>ata2.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x6 frozen",
		"<3>ata2.00: BMDMA stat 0x25",
		"<3>ata2.00: failed command: WRITE DMA EXT",
		"<3>ata2.00: cmd 35/00:08:00:10:00/00:00:00:00:00/e0 tag 0 dma 4096 out",
		"<3>         res 40/00:00:00:00:00/00:00:00:00:00/00 Emask 0x4 (timeout)",
		"<3>ata2.00: status: { DRDY }",
	},
	want: []want{{Type: "ATA_EXCEPTION", Kdev: "ata2.00", Sev: event.Error,
		Raw: "ata2.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x6 frozen",
		Msg: "ATA exception on ata2.00 (WRITE DMA EXT at LBA 4096, 8 blocks): timeout", Ext: map[string]string{"lba": "4096", "blocks": "8"}}},
},
	none("<3>ata4.00: failed command: READ DMA", "<3>ata4.00: error: { UNC }"),
}

// ataFaultCases are libata's lines of failing devices, links and
// controllers (4.19-6.12), each a specific event.
var ataFaultCases = []lineCase{
	single("<3>ata1.00: revalidation failed (errno=-5)", "ATA_REVALIDATION_FAILED", "ata1.00", event.Error, map[string]string{"errno": "-5"}),
	single("<4>ata1: limiting SATA link speed to 1.5 Gbps", "ATA_SPEED_LIMITED", "ata1", event.Warning, map[string]string{"speed": "1.5 Gbps"}),
	single("<4>ata1.00: limiting speed to UDMA/100:PIO4", "ATA_SPEED_LIMITED", "ata1.00", event.Warning, map[string]string{"speed": "UDMA/100:PIO4"}),
	single("<4>ata2.00: NCQ disabled due to excessive errors", "ATA_NCQ_DISABLED", "ata2.00", event.Warning, nil),
	single("<3>ahci 0000:00:1f.2: AHCI controller unavailable!", "ATA_CONTROLLER_ERROR", "", event.Error, map[string]string{"controller": "0000:00:1f.2"}),
	single("<3>ahci 0000:00:17.0: controller reset failed (0xffffffff)", "ATA_CONTROLLER_ERROR", "", event.Error, nil),
	single("<4>ahci 0000:00:17.0: Found 2 remapped NVMe devices.", "ATA_NVME_REMAPPED", "", event.Warning, nil),
	single("<3>ata3.00: VERIFY failed (err_mask=0x4)", "ATA_DEVICE_COMMAND_FAILED", "ata3.00", event.Error, nil),
	single("<4>ata3.00: FLUSH failed Emask 0x4", "ATA_DEVICE_COMMAND_FAILED", "ata3.00", event.Warning, nil),
	single("<4>ata3.00: failed to IDENTIFY (I/O error, err_mask=0x4)", "ATA_DEVICE_COMMAND_FAILED", "ata3.00", event.Warning, nil),
	single("<4>ata3.00: qc timeout after 10000 msecs (cmd 0xec)", "ATA_TIMEOUT", "ata3.00", event.Warning, map[string]string{"command": "0xec"}),
	single("<4>ata5: lost interrupt (Status 0x58)", "ATA_TIMEOUT", "ata5", event.Warning, nil),
	single("<3>ata3: prereset failed (errno=-19)", "ATA_LINK_RESET", "ata3", event.Error, map[string]string{"condition": "link:resetting"}),
	single("<4>ata3: link is slow to respond, please be patient (ready=0)", "ATA_LINK_RESET", "ata3", event.Warning, nil),
	single("<4>ata3: hardreset failed", "ATA_LINK_RESET", "ata3", event.Warning, nil),
	single("<3>ata3: EH pending after 5 tries, giving up", "ATA_EH_FAILED", "ata3", event.Error, nil),
	single("<4>ata4.03: PHY status changed but maxed out on retries, giving up", "ATA_LINK_FAILED", "ata4.03", event.Warning,
		map[string]string{"condition": "link:down"}),
	single("<4>ata3.00: device is on DMA blacklist, disabling DMA", "ATA_DMA_DISABLED", "ata3.00", event.Warning, nil),
	single("<4>ata3.00: n_sectors mismatch 976773168 != 976771055", "ATA_HPA_ERROR", "ata3.00", event.Warning, nil),
	{
		name: "a quirk warning and its second line",
		records: []string{
			"<4>ata3.00: WARNING: device requires firmware update to be fully functional",
			"<4>ata3.00:          contact the vendor or visit http://ata.wiki.kernel.org",
		},
		want: []want{{Type: "ATA_DEVICE_QUIRK", Kdev: "ata3.00", Sev: event.Warning, Raw: "ata3.00: WARNING: device requires firmware update to be fully functional"}},
	},
	single("<4>ata3.00: supports DRM functions and may not be fully accessible", "ATA_DEVICE_QUIRK", "ata3.00", event.Warning, nil),
	single("<3>ata6.15: PMP product ID mismatch", "ATA_PMP_ERROR", "ata6.15", event.Error, nil),
	single("<4>ata6.15: failed to read SCR 1 (Emask=0x40)", "ATA_PMP_ERROR", "ata6.15", event.Warning, nil),
	single("<3>ata1.00: ACPI cmd ef/10:06:00:00:00:a0 (SET FEATURES) failed (Emask=0x1 Stat=0x51 Err=0x04)", "ATA_ACPI_ERROR", "ata1.00", event.Error, nil),
	single("<4>ata1.00: _GTF evaluation failed (AE 0x1001)", "ATA_ACPI_ERROR", "ata1.00", event.Warning, nil),
	single("<3>ata1: translated ATA stat/err 0x51/40 to SCSI SK/ASC/ASCQ 0x3/11/04", "ATA_COMMAND_ERROR", "ata1", event.Error,
		map[string]string{"ata_stat": "0x51", "sense_key_code": "0x3", "asc_code": "11"}),
	single("<4>ata1: status=0x51 { DriveReady SeekComplete Error }", "ATA_COMMAND_ERROR", "ata1", event.Warning, nil),
	single("<4>ata1.00: invalid transfer count 0", "ATA_REQUEST_REJECTED", "ata1.00", event.Warning, nil),
}

func TestATA(t *testing.T) {
	runCases(t, ataCases)
	runCases(t, ataFaultCases)
}

func TestATARange(t *testing.T) {
	for _, c := range []struct {
		tf     string
		lba    uint64
		blocks uint32
		ok     bool
	}{
		{"60/01:f0:40:9c:00/00:00:00:00:00/40", 40000, 1, true},          // READ FPDMA QUEUED: count in feature
		{"61/00:08:00:00:00/01:00:00:00:01/40", 1 << 40, 256, true},      // WRITE FPDMA QUEUED, 48-bit LBA, 256 sectors
		{"25/00:00:ff:ff:ff/00:00:ff:00:00/40", 0xffffffff, 65536, true}, // READ DMA EXT, count 0 is 65536
		{"c8/00:01:40:9c:00/00:00:00:00:00/e0", 40000, 1, true},          // READ DMA, 28-bit
		{"ca/00:00:01:00:00/00:00:00:00:00/e5", 0x5000001, 256, true},    // WRITE DMA, the top LBA bits in device, count 0 is 256
		{"c8/00:01:40:9c:00/00:00:00:00:00/a0", 0, 0, false},             // CHS addressing
		{"ec/00:01:00:00:00/00:00:00:00:00/a0", 0, 0, false},             // IDENTIFY: no range
		{"2f/00:01:10:00:00/00:00:00:00:00/00", 0, 0, false},             // READ LOG EXT
		{"60/01:f0:40:9c:00/00:00:00:00/40", 0, 0, false},                // a register short
		{"60/01:f0:40:9c:00/00:00:00:00:zz/40", 0, 0, false},             // not hex
		{"", 0, 0, false},
	} {
		lba, n, ok := ataRange(c.tf)
		if lba != c.lba || n != c.blocks || ok != c.ok {
			t.Errorf("ataRange(%q) = %d, %d, %v; want %d, %d, %v", c.tf, lba, n, ok, c.lba, c.blocks, c.ok)
		}
	}
}

// FuzzATARange: any taskfile text decodes without a panic.
func FuzzATARange(f *testing.F) {
	f.Add("60/01:f0:40:9c:00/00:00:00:00:00/40")
	f.Add("c8/00:01:40:9c:00/00:00:00:00:00/e0")
	f.Fuzz(func(t *testing.T, tf string) { _, _, _ = ataRange(tf) })
}
