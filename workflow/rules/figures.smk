rule figures:
    input:
        unpack(figures_input),
    output:
        raster=report(
            "results/{experiment}/{run}/figures/raster.{fmt}",
            caption="../report/raster.rst",
            category="{experiment}",
            subcategory="{run}",
        ),
        dynamics=report(
            "results/{experiment}/{run}/figures/dynamics.{fmt}",
            caption="../report/dynamics.rst",
            category="{experiment}",
            subcategory="{run}",
        ),
        rate_distribution=report(
            "results/{experiment}/{run}/figures/rate_distribution.{fmt}",
            caption="../report/rate_distribution.rst",
            category="{experiment}",
            subcategory="{run}",
        ),
    log:
        "results/{experiment}/{run}/logs/figures.{fmt}.log",
    conda:
        "../../envs/astronet.yaml"
    params:
        settings=lambda wildcards: json.dumps(figure_settings(run_of(wildcards)), sort_keys=True),
    shell:
        step(
            "figures",
            "--spikes {input.spikes:q} --astrocytes {input.astrocytes:q} --neurons {input.neurons:q} "
            "--metadata {input.metadata:q} --settings {params.settings:q} --raster {output.raster:q} "
            "--dynamics {output.dynamics:q} --rate-distribution {output.rate_distribution:q}",
        )
