# history.gp - one case's median over the runs of one machine (x: run and
# commit, oldest first) with the stored 95% CI of each median as a band,
# change points marked (red up: slower, green down: faster).  Data:
# history.csv and meta.gp (unit, yscale, case_key, machine, footer) that
# `tritbench history KEY --plot DIR` writes.
fig = 'history'
load plots.'style.gp'
set title case_key."\n".machine noenhanced
set ylabel 'time per iteration ('.unit.'; median, 95% CI)'
set xlabel 'run (commit)'
set xtics rotate by -30 left font ',8' noenhanced
set key top left box opaque noautotitle
set yrange [0:*]
set offsets 0.3, 0.3, 0, 0
set style fill transparent solid 0.25 noborder
plot 'history.csv' using 1:($5*yscale):($6*yscale) with filledcurves lc rgb '#1f77b4' title '95% CI of the median', \
     '' using 1:($4*yscale):xtic(sprintf('%d (%s)', int(column(2)), strcol(3))) with linespoints lw 2 pt 7 ps 0.8 \
        lc rgb '#1f77b4' title 'median', \
     '' using 1:($7*yscale) with points pt 9 ps 2.2 lc rgb '#d62728' title 'change point: slower', \
     '' using 1:($8*yscale) with points pt 11 ps 2.2 lc rgb '#2ca02c' title 'change point: faster'
