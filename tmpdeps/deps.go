package tmpdeps

import (
	_ "github.com/6tail/lunar-go/HolidayUtil"
	_ "github.com/gin-gonic/gin"
	_ "github.com/libtnb/sqlite"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "go.temporal.io/sdk/client"
	_ "go.temporal.io/sdk/testsuite"
	_ "go.temporal.io/server/temporal"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	_ "golang.org/x/crypto/bcrypt"
	_ "gorm.io/driver/mysql"
	_ "gorm.io/gorm"
	_ "gopkg.in/yaml.v3"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "go.temporal.io/sdk/worker"
	_ "go.temporal.io/sdk/workflow"
	_ "go.temporal.io/server/common/config"
	_ "go.temporal.io/server/common/log"
	_ "go.temporal.io/server/schema/sqlite"
)
