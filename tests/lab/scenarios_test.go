package lab

// groups are the lab's boots, each a list of scenarios run in order under
// one guest; "boot" (the daemon over the guest's boot, no script) runs
// first in each.
var groups = []group{
	{name: "scsi", source: "journal", scenarios: []string{"boot", "scsi-medium"}},
}

var scenarioByName = map[string]scenario{}

func init() {
	for _, s := range scenarios {
		scenarioByName[s.name] = s
	}
}

var scenarios = []scenario{
	// A guest's boot prints no storage line worth an event.
	{name: "boot"},
	{name: "scsi-medium", expect: []expect{
		{What: "new disk", Type: "SCSI_POWER_ON_RESET", Kdev: "{disk.hctl}", Fields: map[string]string{
			"dev_wwid": "{disk.wwid}", "dev_path": "{disk.paths}", "ext.scsi_address": "{disk.hctl}"}},
		{What: "medium error", Type: "SCSI_MEDIUM_ERROR", Kdev: "{disk.kname}", Fields: map[string]string{
			"dev_wwid": "{disk.wwid}", "dev_path": "{disk.paths}", "severity": "Error", "sub_system": "SCSI",
			"ext.sector": "{fault.medium.sector}", "ext.lba": "{fault.medium.sector}", "ext.sense_key": "Medium Error",
			"ext.scsi_address": "{disk.hctl}"}},
	}},
}
