module reprise.dev/launcher

go 1.22
