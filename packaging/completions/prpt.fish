# fish completion for prpt(1).
# Generated from prpt's command tree by packaging/completions_test.go:
# go test ./packaging -run TestCompletionsUpToDate -update. Do not edit.

# __prpt_path: the command path of the command line before the cursor.
function __prpt_path
	set -l path ''
	set -l words (commandline -opc)
	set -e words[1]
	set -l skip 0
	for w in $words
		if test $skip -eq 1
			set skip 0
			continue
		end
		switch "$path|$w"
			case '|parse'
				set path 'parse'
			case '|rules'
				set path 'rules'
			case '|info'
				set path 'info'
			case '|list'
				set path 'list'
			case '|query'
				set path 'query'
			case '|monitor'
				set path 'monitor'
			case 'parse|--format' 'parse|--config' 'parse|--root'
				set skip 1
			case 'rules|list'
				set path 'rules list'
			case 'rules|test'
				set path 'rules test'
			case 'rules list|--config'
				set skip 1
			case 'rules test|--config' 'rules test|--format'
				set skip 1
			case 'info|--root'
				set skip 1
			case 'list|--root'
				set skip 1
		end
	end
	echo $path
end

# __prpt_at PATH...: whether the command line is at one of the paths.
function __prpt_at
	contains -- (__prpt_path) $argv
end

complete -c prpt -f
complete -c prpt -n "__prpt_at '' 'parse' 'rules' 'rules list' 'rules test' 'info' 'list' 'query' 'monitor'" -l help -s h -d 'Show context-sensitive help.'
complete -c prpt -n "__prpt_at '' 'parse' 'rules' 'rules list' 'rules test' 'info' 'list' 'query' 'monitor'" -l version -d 'Print the version and exit.'
complete -c prpt -n "__prpt_at 'parse'" -l json -s J -d 'Print one JSON event object per line.'
complete -c prpt -n "__prpt_at 'parse'" -l format -r -d 'Format of the log: auto (detected from the first lines), dmesg, kmsg, journal-json, journal-export or syslog.'
complete -c prpt -n "__prpt_at 'parse'" -l config -r -F -d 'Configuration whose user rules apply too (default: /etc/peripetyd.conf when it exists).'
complete -c prpt -n "__prpt_at 'parse'" -l enrich -d 'Resolve each event\'s device on this machine (or under --root): WWID, path, owners.'
complete -c prpt -n "__prpt_at 'parse'" -l root -r -a '(__fish_complete_directories)' -d 'Where /sys, /dev, /proc and /run/udev are read from for --enrich.'
complete -c prpt -n "__prpt_at 'rules list'" -l json -s J -d 'Print one JSON object per rule.'
complete -c prpt -n "__prpt_at 'rules list'" -l config -r -F -d 'Configuration whose user rules to list too (default: /etc/peripetyd.conf when it exists).'
complete -c prpt -n "__prpt_at 'rules test'" -l config -r -F -d 'Configuration whose user rules apply too (default: /etc/peripetyd.conf when it exists).'
complete -c prpt -n "__prpt_at 'rules test'" -l format -r -d 'Format of the log, as for parse.'
complete -c prpt -n "__prpt_at 'rules test'" -l all -d 'Also list the lines that hit no rule and do not look like storage lines.'
complete -c prpt -n "__prpt_at 'info'" -l json -s J -d 'Print the answer as JSON.'
complete -c prpt -n "__prpt_at 'info'" -l local -d 'Resolve in this process from sysfs, /dev and mountinfo, without the daemon.'
complete -c prpt -n "__prpt_at 'info'" -l root -r -a '(__fish_complete_directories)' -d 'With --local: read sys/, dev/, proc/ and run/udev/ under DIR (as the daemon\'s --root).'
complete -c prpt -n "__prpt_at 'list'" -l json -s J -d 'Print the devices as a JSON array.'
complete -c prpt -n "__prpt_at 'list'" -l local -d 'Resolve in this process from sysfs, /dev and mountinfo, without the daemon.'
complete -c prpt -n "__prpt_at 'list'" -l root -r -a '(__fish_complete_directories)' -d 'With --local: read sys/, dev/, proc/ and run/udev/ under DIR (as the daemon\'s --root).'
complete -c prpt -n "__prpt_at ''" -a 'parse' -d 'Parse a saved kernel log into storage events, offline.'
complete -c prpt -n "__prpt_at ''" -a 'rules' -d 'List the rules, or test which rule each line of a log hits.'
complete -c prpt -n "__prpt_at ''" -a 'info' -d 'Show the identity and stack of one block device.'
complete -c prpt -n "__prpt_at ''" -a 'list' -d 'List the top-level block devices.'
complete -c prpt -n "__prpt_at ''" -a 'query' -d 'Query stored storage events.'
complete -c prpt -n "__prpt_at ''" -a 'monitor' -d 'Follow storage events as they happen.'
complete -c prpt -n "__prpt_at 'parse'" -F
complete -c prpt -n "__prpt_at 'rules'" -a 'list' -d 'List every built-in and configured rule.'
complete -c prpt -n "__prpt_at 'rules'" -a 'test' -d 'Show which rule each line of a log hits, and the storage-looking lines no rule hits.'
complete -c prpt -n "__prpt_at 'rules test'" -F
complete -c prpt -n "__prpt_at 'info'"
